package dev.exstate.etcd;

import dev.exstate.config.ConfigChange;
import dev.exstate.config.ConfigListener;
import dev.exstate.guard.GuardPolicy;
import dev.exstate.guard.StateUnavailableException;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** Shared helpers of the etcd integration tests. */
final class EtcdTesting {
    private EtcdTesting() {
    }

    /**
     * Guard policy for tests: the defaults, but a breaker that lets probes through after 300 ms, and
     * 5 s per attempt (10 s in all), so a call slowed down by a busy machine (etcd's fsync on a busy
     * disk, a cold JVM) is not mistaken for an outage. No etcd test is about the guard's deadlines.
     */
    static GuardPolicy policy() {
        return GuardPolicy.builder().waitInOpenState(Duration.ofMillis(300))
                .timeout(Duration.ofSeconds(5)).totalTimeout(Duration.ofSeconds(10)).build();
    }

    /** An app name no other test uses, so tests can share one etcd. */
    static String uniqueApp() {
        return "it-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Options for tests: unique app, test guard policy, quick watch supervision and retries. */
    static EtcdOptions.Builder options(List<String> endpoints) {
        return EtcdOptions.builder(endpoints)
                .appName(uniqueApp())
                .guardPolicy(policy())
                .watchProgressInterval(Duration.ofMillis(500))
                .watchVerifyInterval(Duration.ofMillis(500))
                .maxRetryBackoff(Duration.ofMillis(500))
                .startupTimeout(Duration.ofSeconds(10));
    }

    static EtcdOptions.Builder options(String... endpoints) {
        return options(List.of(endpoints));
    }

    /** Puts {@code key=value}, retrying while etcd is unavailable, until acknowledged; returns the revision. */
    static long putUntilAcknowledged(EtcdConfigAdmin admin, String key, String value, Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            try {
                return admin.put(key, value);
            } catch (StateUnavailableException e) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("put " + key + "=" + value + " not acknowledged within " + patience, e);
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
        }
    }

    /** A raw jetcd client for white-box reads, bypassing the code under test. */
    static Client rawClient(String... endpoints) {
        return Client.builder().endpoints(endpoints).build();
    }

    /** The key as etcd stores it now, read with a raw client. */
    static Optional<KeyValue> rawGet(Client client, String key) {
        try {
            GetResponse r = client.getKVClient().get(ByteSequence.from(key, StandardCharsets.UTF_8)).get(5, TimeUnit.SECONDS);
            return r.getKvs().stream().findFirst();
        } catch (Exception e) {
            throw new AssertionError("raw etcd read of " + key + " failed", e);
        }
    }

    /** Records every change one listener gets, in order. */
    static final class Recorder implements ConfigListener {
        final List<ConfigChange> changes = new CopyOnWriteArrayList<>();
        /** {@link System#nanoTime()} of each change's arrival, same order as {@link #changes}. */
        final List<Long> arrivals = new CopyOnWriteArrayList<>();

        @Override
        public void onChange(ConfigChange change) {
            arrivals.add(System.nanoTime());
            changes.add(change);
        }

        /** When the first change with {@code key} at {@code value} or beyond (as an int) arrived. */
        long arrivalOf(String key, int value) {
            for (int i = 0; i < changes.size(); i++) {
                String v = changes.get(i).current().values().get(key);
                if (v != null && Integer.parseInt(v) >= value) {
                    return arrivals.get(i);
                }
            }
            throw new AssertionError(key + " never reached " + value);
        }

        List<Long> revisions() {
            return changes.stream().map(c -> c.current().revision()).toList();
        }

        /** The value of {@code key} in each change, in delivery order (null where absent). */
        List<String> values(String key) {
            return changes.stream().map(c -> c.current().values().get(key)).toList();
        }

        Optional<String> lastValue(String key) {
            return changes.isEmpty() ? Optional.empty()
                    : Optional.ofNullable(changes.get(changes.size() - 1).current().values().get(key));
        }
    }
}
