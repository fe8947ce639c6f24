package dev.exstate.examples;

import dev.exstate.blob.BlobInfo;
import dev.exstate.blob.BlobPage;
import dev.exstate.config.ConfigValidator;
import dev.exstate.etcd.EtcdConfigAdmin;
import dev.exstate.etcd.EtcdOptions;
import dev.exstate.etcd.EtcdState;
import dev.exstate.memory.InMemoryBackend;
import dev.exstate.objectstore.S3BlobStore;
import dev.exstate.objectstore.S3Options;
import dev.exstate.redis.RedisLeaseProvider;
import dev.exstate.redis.RedisOptions;
import dev.exstate.redis.RedisState;
import dev.exstate.runtime.StateRuntime;
import dev.exstate.session.SessionOptions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the replicas of {@link ShopService} keep their state, as the command line chose: sessions
 * and leases on Redis, config on etcd, blobs on S3, and whatever is not chosen in an
 * {@link InMemoryBackend} shared by the replicas of one group.
 *
 * <p>Each group of replicas ({@link ShopWorld}) is a world of its own: with a real backend it gets
 * a random app name {@code shop-<hex>}, which namespaces its Redis keys, its etcd prefix and its
 * S3 keys, so the baseline replica of the statelessness check never sees what the replicas under
 * test stored. Closing a world removes its etcd keys and S3 objects; its Redis sessions expire
 * after {@link #SESSION_OPTIONS}' idle timeout, its leases after one report period.
 *
 * <p>Immutable; makes no connection until {@link #probe()} or {@link #newWorld()}.
 */
final class Backends {
    private static final Logger LOG = LoggerFactory.getLogger(Backends.class);
    /** Demo sessions in a real Redis vanish soon after the demo. */
    static final SessionOptions SESSION_OPTIONS = SessionOptions.builder()
            .maxInactiveInterval(Duration.ofMinutes(10))
            .build();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final RedisOptions redis;
    private final EtcdOptions etcd;
    private final S3Options s3;
    private final List<String> secrets;

    Backends(DemoOptions options) {
        this.redis = options.redis() == null ? null : redisOptions(options.redis());
        this.etcd = options.etcd() == null ? null : etcdOptions(options.etcd());
        this.s3 = options.s3() == null ? null : s3Options(options);
        List<String> s = new ArrayList<>();
        if (options.redis() != null) {
            String info = userInfo(options.redis());
            if (info != null) {
                s.add(info);
                s.addAll(Arrays.asList(info.split(":")));
            }
        }
        if (options.s3SecretKey() != null) {
            s.add(options.s3SecretKey());
        }
        if (options.s3AccessKey() != null) {
            s.add(options.s3AccessKey());
        }
        s.removeIf(String::isEmpty);
        this.secrets = List.copyOf(s);
    }

    /** @throws IllegalArgumentException if {@code uri} is not a Redis URI */
    static RedisOptions redisOptions(String uri) {
        boolean sentinel = uri.toLowerCase(Locale.ROOT).startsWith("redis-sentinel://")
                || uri.toLowerCase(Locale.ROOT).startsWith("rediss-sentinel://");
        return (sentinel ? RedisOptions.sentinel(uri) : RedisOptions.standalone(uri)).build();
    }

    /** @throws IllegalArgumentException if {@code endpoints} (comma-separated) are not etcd URLs */
    static EtcdOptions etcdOptions(String endpoints) {
        return EtcdOptions.builder(Arrays.stream(endpoints.split(",")).map(String::strip).toList())
                .connectTimeout(Duration.ofSeconds(2))
                .startupTimeout(Duration.ofSeconds(15))
                .build();
    }

    /** @throws IllegalArgumentException if the S3 endpoint, bucket or credentials are not usable */
    static S3Options s3Options(DemoOptions o) {
        return S3Options.builder()
                .endpoint(o.s3())
                .region(o.s3Region())
                .credentials(o.s3AccessKey(), o.s3SecretKey())
                .bucket(o.bucket())
                .autoCreateBucket(true)
                .build();
    }

    boolean anyRemote() {
        return redis != null || etcd != null || s3 != null;
    }

    boolean hasEtcd() {
        return etcd != null;
    }

    /** Where each capability lives, e.g. {@code sessions and leases on Redis, config on etcd, blobs in memory}. */
    String describe() {
        Map<String, List<String>> where = new LinkedHashMap<>();
        where.computeIfAbsent(redis != null ? "on Redis" : "in memory", k -> new ArrayList<>()).addAll(List.of("sessions", "leases"));
        where.computeIfAbsent(etcd != null ? "on etcd" : "in memory", k -> new ArrayList<>()).add("config");
        where.computeIfAbsent(s3 != null ? "on S3" : "in memory", k -> new ArrayList<>()).add("blobs");
        // in memory last, so the real backends come first
        List<String> in = where.remove("in memory");
        if (in != null) {
            where.put("in memory", in);
        }
        List<String> parts = new ArrayList<>();
        where.forEach((place, caps) -> parts.add(String.join(caps.size() == 2 ? " and " : ", ", caps) + " " + place));
        return String.join(", ", parts);
    }

    /** The backends with their addresses (never credentials), one per line, or empty without remote backends. */
    List<String> addresses() {
        List<String> lines = new ArrayList<>();
        if (redis != null) {
            lines.add("sessions and leases: Redis at " + redisAddress());
        }
        if (etcd != null) {
            lines.add("config:              etcd at " + etcdAddress());
        }
        if (s3 != null) {
            lines.add("blobs:               S3 at " + s3Address());
        }
        return lines;
    }

    /**
     * Connects to each chosen backend once (Redis: a connection; etcd: a read; S3: a listing,
     * creating the bucket if it is missing), so that an unreachable one is reported before
     * anything starts.
     *
     * @throws BackendUnreachableException with a one-line message naming the backend and its address
     */
    void probe() {
        if (redis != null) {
            try (RedisState state = RedisState.connect(redis); RedisLeaseProvider leases = state.leaseProvider()) {
                LOG.debug("redis probe: {}", leases);
            } catch (RuntimeException e) {
                throw unreachable("Redis", redisAddress(), e);
            }
        }
        if (etcd != null) {
            try (EtcdState state = EtcdState.connect(etcd)) {
                state.admin(newAppName()).list();
            } catch (RuntimeException e) {
                throw unreachable("etcd", etcdAddress(), e);
            }
        }
        if (s3 != null) {
            try (S3BlobStore store = S3BlobStore.connect(s3)) {
                store.list("exstate-demo-probe/", null, 1);
            } catch (RuntimeException e) {
                throw unreachable("S3", s3Address(), e);
            }
        }
    }

    /** A new group of replicas with state of its own. */
    ShopWorld newWorld() {
        return new ShopWorld(anyRemote() ? newAppName() : "shop");
    }

    private static String newAppName() {
        byte[] bytes = new byte[4];
        RANDOM.nextBytes(bytes);
        return "shop-" + HexFormat.of().formatHex(bytes);
    }

    private String redisAddress() {
        return String.join(",", redis.uris().stream().map(Backends::withoutUserInfo).toList());
    }

    private String etcdAddress() {
        return String.join(",", etcd.endpoints());
    }

    private String s3Address() {
        return s3.endpoint() + " (bucket " + s3.bucket() + ")";
    }

    private BackendUnreachableException unreachable(String backend, String address, RuntimeException e) {
        LOG.debug("{} probe failed", backend, e);
        String reason = oneLine(e);
        // the Redis provider's messages already say what to check
        String hint = reason.contains("check that") ? "" : "; check that " + backend + " runs there and the address is right";
        return new BackendUnreachableException("cannot reach " + backend + " at " + address + ": " + reason + hint);
    }

    /** The first line of the message, without any credential the command line gave. */
    private String oneLine(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            m = e.getClass().getSimpleName();
        }
        int nl = m.indexOf('\n');
        if (nl >= 0) {
            m = m.substring(0, nl);
        }
        for (String secret : secrets) {
            m = m.replace(secret, "****");
        }
        return m.strip();
    }

    // user info ends at the LAST '@': a password may itself hold '@' or '/'
    static String withoutUserInfo(String uri) {
        int start = uri.indexOf("//");
        int at = uri.lastIndexOf('@');
        return start < 0 || at < start + 2 ? uri : uri.substring(0, start + 2) + uri.substring(at + 1);
    }

    private static String userInfo(String uri) {
        int start = uri.indexOf("//");
        int at = uri.lastIndexOf('@');
        return start < 0 || at < start + 2 ? null : uri.substring(start + 2, at);
    }

    /** A backend could not be reached: the message is one line for the user. */
    static final class BackendUnreachableException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BackendUnreachableException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * One group of replicas and the state they share: its app name, an in-memory backend for the
     * capabilities not on a real backend, the etcd keys holding its config, its S3 key prefix.
     * Closing it removes its config from etcd and its objects from S3. Thread-safe.
     */
    final class ShopWorld implements AutoCloseable {
        private final String appName;
        private final InMemoryBackend memory = InMemoryBackend.create();
        private final EtcdState etcdAdminState;
        private final EtcdConfigAdmin etcdAdmin;
        private final S3BlobStore s3Cleaner;

        private ShopWorld(String appName) {
            this.appName = appName;
            if (etcd == null) {
                memory.putConfig(Demo.CONFIG);
                etcdAdminState = null;
                etcdAdmin = null;
            } else {
                etcdAdminState = EtcdState.connect(etcd);
                try {
                    etcdAdmin = etcdAdminState.admin(appName);
                    etcdAdmin.putAll(Demo.CONFIG);
                } catch (RuntimeException e) {
                    etcdAdminState.close();
                    throw e;
                }
            }
            s3Cleaner = s3 == null ? null : S3BlobStore.connect(s3);
        }

        String appName() {
            return appName;
        }

        /** Where this world's config lives, e.g. {@code etcd keys /exstate/shop-1a2b3c4d/config/*}. */
        String configLocation() {
            return etcdAdmin != null ? "etcd keys " + etcdAdmin.prefix() + "*" : "the in-memory backend";
        }

        /** Changes one config value where this world's replicas read it. */
        void putConfig(String key, String value) {
            if (etcdAdmin != null) {
                etcdAdmin.put(key, value);
            } else {
                memory.putConfig(key, value);
            }
        }

        /** Starts a replica of the shop in this world; ready to serve when this returns. */
        ShopReplica startReplica() throws Exception {
            List<AutoCloseable> clients = new ArrayList<>();
            StateRuntime runtime = null;
            try {
                StateRuntime.Builder b = StateRuntime.builder(appName).inMemory(memory);
                if (redis != null) {
                    // one RedisState per replica, as separate processes would have
                    RedisState state = RedisState.connect(redis);
                    clients.add(state);
                    b.sessions(state.sessions(SESSION_OPTIONS)).leases(state.leases());
                }
                if (etcd != null) {
                    EtcdState state = EtcdState.connect(etcd);
                    clients.add(state);
                    b.config(state.config(ConfigValidator.acceptAll()));
                }
                if (s3 != null) {
                    String prefix = appName + "/";
                    b.guardPolicy(s3.guardName(), S3Options.DEFAULT_GUARD_POLICY)
                            .blobs(ctx -> new PrefixedBlobStore(S3BlobStore.connect(s3, ctx.guard(s3.guardName())), prefix));
                }
                runtime = b.build();
                ShopService shop = ShopService.start(runtime, Demo.REPORT_PERIOD);
                return new ShopReplica(shop, runtime, clients);
            } catch (Exception e) {
                closeAll(runtime, clients);
                throw e;
            }
        }

        /** Removes this world's config from etcd and its objects from S3; failures are logged. */
        @Override
        public void close() {
            if (etcdAdmin != null) {
                try {
                    etcdAdmin.deleteAll();
                } catch (RuntimeException e) {
                    LOG.warn("could not remove the demo config {}: {}", etcdAdmin.prefix(), e.getMessage());
                } finally {
                    etcdAdminState.close();
                }
            }
            if (s3Cleaner != null) {
                try {
                    deleteObjects(appName + "/");
                } catch (RuntimeException e) {
                    LOG.warn("could not remove the demo objects under {}/ from S3: {}", appName, e.getMessage());
                } finally {
                    s3Cleaner.close();
                }
            }
        }

        private void deleteObjects(String prefix) {
            String token = null;
            do {
                BlobPage page = s3Cleaner.list(prefix, token, 1000);
                for (BlobInfo info : page.items()) {
                    s3Cleaner.delete(info.key());
                }
                token = page.continuationToken();
            } while (token != null);
        }

        @Override
        public String toString() {
            return "ShopWorld[" + appName + "]";
        }
    }

    /** A running replica: the shop, its runtime and the clients built for it, closed in that order. */
    record ShopReplica(ShopService shop, StateRuntime runtime, List<AutoCloseable> clients) implements AutoCloseable {
        ShopReplica {
            Objects.requireNonNull(shop, "shop");
            Objects.requireNonNull(runtime, "runtime");
            clients = List.copyOf(clients);
        }

        @Override
        public void close() {
            try {
                shop.close();
            } finally {
                closeAll(runtime, clients);
            }
        }
    }

    private static void closeAll(StateRuntime runtime, List<AutoCloseable> clients) {
        if (runtime != null) {
            runtime.close();
        }
        for (int i = clients.size() - 1; i >= 0; i--) {
            try {
                clients.get(i).close();
            } catch (Exception e) {
                LOG.warn("closing {} failed: {}", clients.get(i), e.toString());
            }
        }
    }
}
