package dev.exstate.redis;

import dev.exstate.redis.internal.RedisConnector;
import dev.exstate.redis.internal.RedisKeys;
import dev.exstate.session.SessionId;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * White-box access for tests: reads what really landed in Redis, with a plain Lettuce client
 * (binary values, cluster routing), bypassing the providers, their guard and near cache.
 */
final class RawRedis implements AutoCloseable {
    private final AbstractRedisClient client;
    private final StatefulConnection<String, byte[]> connection;
    private final RedisClusterCommands<String, byte[]> commands;
    private final RedisClusterAsyncCommands<String, byte[]> async;

    private RawRedis(AbstractRedisClient client, StatefulConnection<String, byte[]> connection,
                     RedisClusterCommands<String, byte[]> commands, RedisClusterAsyncCommands<String, byte[]> async) {
        this.client = client;
        this.connection = connection;
        this.commands = commands;
        this.async = async;
    }

    static RawRedis standalone(String uri) {
        RedisClient c = RedisClient.create(RedisURI.create(uri));
        var conn = c.connect(RedisConnector.CODEC);
        return new RawRedis(c, conn, conn.sync(), conn.async());
    }

    /** A standalone connection with client options of its own, e.g. TLS settings. */
    static RawRedis standalone(RedisURI uri, io.lettuce.core.ClientOptions options) {
        RedisClient c = RedisClient.create(uri);
        c.setOptions(options);
        var conn = c.connect(RedisConnector.CODEC);
        return new RawRedis(c, conn, conn.sync(), conn.async());
    }

    static RawRedis cluster(List<String> uris) {
        RedisClusterClient c = RedisClusterClient.create(uris.stream().map(RedisURI::create).toList());
        var conn = c.connect(RedisConnector.CODEC);
        return new RawRedis(c, conn, conn.sync(), conn.async());
    }

    RedisClusterCommands<String, byte[]> commands() {
        return commands;
    }

    /** The same connection's async commands, to run the providers' scripts with chosen arguments. */
    RedisClusterAsyncCommands<String, byte[]> async() {
        return async;
    }

    /** The attributes stored for a session, empty if its hash is gone or tombstoned. */
    Optional<Map<String, byte[]>> sessionAttributes(RedisKeys keys, SessionId id) {
        Map<String, byte[]> hash = commands.hgetall(keys.session(id));
        if (hash.isEmpty() || hash.containsKey(RedisKeys.ROTATED)) {
            return Optional.empty();
        }
        Map<String, byte[]> attributes = new LinkedHashMap<>();
        hash.forEach((field, value) -> {
            if (field.startsWith(RedisKeys.ATTRIBUTE)) {
                attributes.put(field.substring(RedisKeys.ATTRIBUTE.length()), value);
            }
        });
        return Optional.of(attributes);
    }

    /** The fencing token of the stored holder of a lease, empty if nobody holds it. */
    Optional<Long> leaseToken(RedisKeys keys, String name) {
        byte[] value = commands.get(keys.lease(name));
        if (value == null) {
            return Optional.empty();
        }
        String holder = new String(value, StandardCharsets.UTF_8);
        return Optional.of(Long.parseLong(holder.substring(holder.lastIndexOf(':') + 1)));
    }

    /** The last claimed tick of a lease name as Redis stores it, empty if none was claimed. */
    Optional<Long> leaseTick(RedisKeys keys, String name) {
        byte[] value = commands.get(keys.leaseTick(name));
        return value == null ? Optional.empty() : Optional.of(Long.parseLong(new String(value, StandardCharsets.US_ASCII)));
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
