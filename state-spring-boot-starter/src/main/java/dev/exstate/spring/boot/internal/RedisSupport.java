package dev.exstate.spring.boot.internal;

import dev.exstate.redis.RedisOptions;
import dev.exstate.redis.RedisState;
import dev.exstate.runtime.ProviderFactory;
import dev.exstate.session.SessionOptions;
import dev.exstate.session.SessionStore;
import dev.exstate.lease.LeaseProvider;
import dev.exstate.spring.boot.ExstateProperties;
import java.util.ArrayList;
import java.util.List;

/** {@code exstate.redis.*} to {@link RedisOptions}, and Redis as an {@link ExstateBackend}. */
public final class RedisSupport {
    private static final String PREFIX = "exstate.redis";

    private RedisSupport() {
    }

    /**
     * The options the properties describe, built through {@link RedisOptions}' builder.
     *
     * @throws org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException
     *         naming the property whose value the builder refused
     */
    public static RedisOptions options(ExstateProperties.Redis p) {
        Settings<RedisOptions.Builder> s = switch (p.getMode()) {
            case STANDALONE -> Settings.from(PREFIX, "uri", single(p), RedisOptions::standalone, "URI", "STANDALONE");
            case SENTINEL -> Settings.from(PREFIX, "uri", single(p), RedisOptions::sentinel, "URI", "SENTINEL");
            case CLUSTER -> Settings.from(PREFIX, "uris", seeds(p), RedisOptions::cluster, "URI", "CLUSTER");
        };
        s.set("tls", p.isTls(), RedisOptions.Builder::tls, "TLS")
                .set("verify-peer", p.isVerifyPeer(), RedisOptions.Builder::verifyPeer)
                .set("trust-certificates", p.getTrustCertificates(), RedisOptions.Builder::trustCertificates);
        if (p.getClientCertificate() != null || p.getClientKey() != null) {
            s.set(p.getClientCertificate() != null ? "client-certificate" : "client-key",
                    p.getClientCertificate() != null ? p.getClientCertificate() : p.getClientKey(),
                    (b, v) -> b.clientCertificate(p.getClientCertificate(), p.getClientKey()), "clientCertificate", "clientKey");
        }
        if (p.getUsername() != null) {
            if (p.getPassword() == null) {
                throw Settings.invalid(PREFIX + ".password", null,
                        new IllegalArgumentException("a password is required with " + PREFIX + ".username"));
            }
            s.set("username", p.getUsername(), (b, v) -> b.credentials(v, p.getPassword()));
        } else {
            s.secret("password", p.getPassword(), RedisOptions.Builder::password);
        }
        s.set("command-timeout", p.getCommandTimeout(), RedisOptions.Builder::commandTimeout)
                .set("startup-timeout", p.getStartupTimeout(), RedisOptions.Builder::startupTimeout)
                .set("connections", p.getConnections(), RedisOptions.Builder::connections)
                .set("key-prefix", p.getKeyPrefix(), RedisOptions.Builder::keyPrefix)
                .set("app-name", p.getAppName(), RedisOptions.Builder::appName)
                .set("near-cache-size", p.getNearCacheSize(), RedisOptions.Builder::nearCacheSize)
                .set("invalidation", p.getInvalidation(),
                        (b, v) -> b.invalidation(RedisOptions.InvalidationMode.valueOf(v.name())))
                .set("heartbeat-interval", p.getHeartbeatInterval(), RedisOptions.Builder::heartbeatInterval)
                .set("freshness-window", p.getFreshnessWindow(), RedisOptions.Builder::freshnessWindow);
        return s.build(RedisOptions.Builder::build);
    }

    /** Redis for the runtime: sessions and leases, one shared connection; closing closes the client. */
    public static ExstateBackend backend(RedisState redis) {
        return new ExstateBackend() {
            @Override
            public String name() {
                return RedisState.BACKEND;
            }

            @Override
            public ProviderFactory<? extends SessionStore> sessions(SessionOptions options) {
                return redis.sessions(options);
            }

            @Override
            public ProviderFactory<? extends LeaseProvider> leases() {
                return redis.leases();
            }

            @Override
            public void close() {
                redis.close();
            }

            @Override
            public String toString() {
                return "redis backend";
            }
        };
    }

    private static String single(ExstateProperties.Redis p) {
        if (!p.getUris().isEmpty()) {
            throw Settings.invalid(PREFIX + ".uris", p.getUris().size() + " URIs", new IllegalArgumentException(
                    "uris lists the seed nodes of a cluster (" + PREFIX + ".mode=cluster); with mode "
                            + p.getMode().name().toLowerCase(java.util.Locale.ROOT) + " set " + PREFIX + ".uri"));
        }
        return p.getUri();
    }

    private static List<String> seeds(ExstateProperties.Redis p) {
        List<String> seeds = new ArrayList<>(p.getUris());
        if (p.getUri() != null) {
            seeds.add(p.getUri());
        }
        return seeds;
    }
}
