package dev.exstate.etcd;

import dev.exstate.config.ConfigSource;
import dev.exstate.config.ConfigValidator;
import dev.exstate.config.spi.PublishingConfigSource;
import dev.exstate.etcd.internal.ConfigWatch;
import dev.exstate.etcd.internal.EtcdConnection;
import dev.exstate.etcd.internal.EtcdKeys;
import dev.exstate.guard.Guard;
import dev.exstate.guard.StateUnavailableException;
import dev.exstate.time.StateClock;

/**
 * Live config from all keys under one etcd prefix ({@code <keyPrefix><app>/config/}); get one
 * from {@link EtcdState}. The snapshot's keys are the etcd keys without the prefix, its revision
 * is etcd's revision of that state.
 *
 * <p>What a user can rely on, besides the {@link ConfigSource} contract:
 * <ul>
 *   <li>building the source waits up to {@link EtcdOptions#startupTimeout()} for the first read,
 *       retrying the first connection with backoff; if etcd cannot be read by then, the source
 *       serves {@link EtcdOptions#defaults()} as revision 0 (health DEGRADED) and keeps trying,
 *       or, without defaults, building fails with {@link StateUnavailableException} (real elapsed
 *       time, last cause). If etcd refuses the credentials or permissions, building fails at once
 *       with {@link dev.exstate.guard.StateAccessDeniedException}, defaults or not;</li>
 *   <li>the watch is supervised here, not by jetcd: after an error, the end of the stream,
 *       compaction, a stall (no answer to a progress request within
 *       {@link EtcdOptions#watchProgressInterval()}) or lost events (found by the periodic
 *       {@link EtcdOptions#watchVerifyInterval() consistency check}), the prefix is re-read and
 *       watched again from the read's revision, so the final value is never missed and no change
 *       is delivered twice;</li>
 *   <li>a write that changes no value (a retried put of the same value) delivers nothing;</li>
 *   <li>values written in one etcd transaction arrive as one change;</li>
 *   <li>keys or values that are not valid UTF-8 (written by another client) are never patched
 *       into text: that state is rejected ({@link #lastRejection()} names the keys) and the last
 *       good snapshot stays in force;</li>
 *   <li>{@link #health()}: DOWN until a snapshot is accepted, DEGRADED while serving defaults or
 *       while the watch is being re-established, otherwise UP. It never does I/O.</li>
 * </ul>
 *
 * <p>Thread-safe. One daemon thread per source ({@code exstate-etcd-config-N}) reads and watches;
 * listeners run on the delivery thread ({@code exstate-config-etcd}), one change at a time.
 * {@link #close()} stops both and releases this source's share of the etcd client.
 */
public final class EtcdConfigSource extends PublishingConfigSource {
    private final ConfigWatch watch;

    /** Takes over one reference of {@code connection}; blocks up to the start-up timeout. */
    EtcdConfigSource(EtcdConnection connection, Guard guard, EtcdKeys keys, ConfigValidator validator, StateClock clock) {
        this(new ConfigWatch(connection, guard, keys), validator, clock);
    }

    private EtcdConfigSource(ConfigWatch watch, ConfigValidator validator, StateClock clock) {
        super(watch, validator, clock);
        this.watch = watch;
    }

    /** The etcd key prefix this source reads, e.g. {@code /exstate/shop/config/}. */
    public String prefix() {
        return watch.prefix();
    }

    /** Full re-reads of the prefix since start (the first load included); for tests and metrics. */
    public long reloads() {
        return watch.resyncs();
    }
}
