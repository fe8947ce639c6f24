package dev.exstate.etcd.internal;

import dev.exstate.config.ConfigSnapshot;
import dev.exstate.config.spi.ConfigBackend;
import dev.exstate.etcd.EtcdOptions;
import dev.exstate.guard.Guard;
import dev.exstate.guard.Operation;
import dev.exstate.guard.StateAccessDeniedException;
import dev.exstate.guard.StateUnavailableException;
import dev.exstate.internal.Backoff;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ConfigBackend} of {@code EtcdConfigSource}: keeps its sink in step with all keys
 * under one etcd prefix: a full read, then a watch from the read's revision + 1, and the same
 * again whenever the watch cannot be trusted. Not API.
 *
 * <p>{@link #start} retries the first connection with backoff, outside the guard, within
 * {@link EtcdOptions#startupTimeout()}, then waits for the first read (at least a few seconds once
 * etcd has answered). If etcd refuses the credentials or permissions, it fails at once with
 * {@link StateAccessDeniedException}, defaults or not. If etcd cannot be read in time, it offers
 * {@link EtcdOptions#defaults()} as revision 0 (reported as a {@linkplain #problem() problem}
 * until a snapshot from etcd is accepted) and keeps trying, or, without defaults, fails with
 * {@link StateUnavailableException} (real elapsed time, last cause).
 *
 * <p>Recovery is done here rather than left to jetcd, whose watch does not always come back
 * after a leader loss (jetcd#1352) or retries only once (jetcd#1227). The prefix is re-read (one
 * linearizable GET through the {@link Guard}), that snapshot offered, and a new watch started
 * from its revision + 1 when:
 * <ul>
 *   <li>the watch reports an error or ends (connection lost, member without leader, compaction:
 *       a compacted start revision surfaces as {@link CompactedException});</li>
 *   <li>the watch is silent for {@code progressInterval} and does not answer a progress request
 *       within another {@code progressInterval} (a stalled or black-holed stream);</li>
 *   <li>a consistency check finds the watch missed events: every {@code verifyInterval} the
 *       keys and their mod revisions are read (keys only, no values) and compared with what was
 *       applied; a key found behind twice in a row, with etcd's side unchanged in between, was
 *       missed (a healthy watch delivers within milliseconds). This catches a watch that is alive
 *       but lost events, which no liveness signal can;</li>
 *   <li>watch events arrive faster than they can be applied (the bounded inbox overflowed).</li>
 * </ul>
 * A failed re-read is retried with jittered exponential backoff up to {@code maxBackoff}. A
 * re-read whose values equal what was last seen is not offered (a re-read after reconnect is not
 * a change); the sink drops anything not newer than its current revision anyway, so no
 * listener sees a change twice.
 *
 * <p>Bytes that are not valid UTF-8 (a key or value written by another client) are never patched
 * into text: while any key under the prefix has such a name or value, the state is not offered
 * but {@linkplain ConfigBackend.Sink#reject rejected}, naming the keys, and the last good snapshot
 * stays in force. A prefix larger than {@code EtcdOptions.maxInboundMessageSize} cannot be read;
 * that is reported as the problem (naming the option) and is not counted as an etcd outage.
 *
 * <p>Threading: jetcd's callbacks only put signals into a bounded inbox; one daemon thread
 * ({@code exstate-etcd-config-N}) owns all state, applies events in order and runs the
 * supervision, so no locks are needed around the key maps. Nothing thrown in that thread ends
 * it (not even an {@link Error}); only {@link #close()} does.
 */
public final class ConfigWatch implements ConfigBackend {
    private static final Logger log = LoggerFactory.getLogger(ConfigWatch.class);
    private static final AtomicInteger THREAD_IDS = new AtomicInteger();
    private static final Operation READ = Operation.idempotent("config.read");
    private static final Operation VERIFY = Operation.idempotent("config.verify");
    /** Watch responses waiting for the loop; beyond this the loop re-reads instead (etcd batches up to 1000 revisions per response). */
    private static final int INBOX_CAPACITY = 1024;
    private static final Duration INITIAL_BACKOFF = Duration.ofMillis(50);
    private static final long MAX_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** Stands for "no such key" in the consistency check. */
    private static final long ABSENT = -1;
    /** Least time the first guarded read gets once etcd has answered the start-up probe. */
    private static final Duration FIRST_READ = Duration.ofSeconds(5);

    private final EtcdConnection connection;
    private final Guard guard;
    private final EtcdKeys keys;
    private final long progressNanos;
    private final long verifyNanos;
    private final long maxBackoffNanos;
    /** Pause before the next re-read: 50 ms doubling up to maxRetryBackoff, at least half of it each time. */
    private final Backoff backoff;
    private final BlockingQueue<Signal> inbox = new ArrayBlockingQueue<>(INBOX_CAPACITY);
    private final AtomicBoolean overflowed = new AtomicBoolean();
    private final CountDownLatch firstRead = new CountDownLatch(1);
    /** Counted down by the first read, or by etcd refusing access first: what start-up waits for. */
    private final CountDownLatch firstOutcome = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread thread;
    private final AtomicLong resyncs = new AtomicLong();
    private final AtomicLong compactions = new AtomicLong();
    private final AtomicLong missed = new AtomicLong();

    private volatile boolean closed;
    /** Set when etcd refused the credentials or permissions before the first read. */
    private volatile StateAccessDeniedException accessDenied;
    /** Why the watch is not in step right now, or null. */
    private volatile String problem;
    private volatile long problemSinceNanos;
    private volatile Throwable lastError;
    /** The defaults were accepted at start, because etcd could not be read in time. */
    private volatile boolean defaultsOffered;
    /** A snapshot read from etcd was accepted: the defaults, if any, are no longer in force. */
    private volatile boolean acceptedFromEtcd;
    private volatile Sink sink; // set once by start(), before the loop thread starts

    // --- owned by the loop thread ---
    private Watch.Watcher watcher;
    private int generation;
    private Map<String, String> values = new HashMap<>();
    /** Keys (by {@link #id}) whose name or value is not valid UTF-8, with what is wrong. */
    private Map<String, String> broken = new HashMap<>();
    /** Mod revision of every key under the prefix, by {@link #id}, broken ones included. */
    private Map<String, Long> modRevisions = new HashMap<>();
    private long revision;
    private boolean everRead;
    private boolean resyncPending = true;
    private long retryAtNanos;
    private int failuresInARow;
    private long lastHeardNanos;
    private long progressAskedNanos;
    private boolean progressAsked;
    private long nextVerifyNanos;
    private boolean verifyInFlight;
    /** Keys found behind at the last check, with etcd's mod revision of them then (or ABSENT). */
    private Map<String, Long> suspects = Map.of();

    /** Takes over one share of {@code connection}, released by {@link #close()}; intervals and start-up from its options. */
    public ConfigWatch(EtcdConnection connection, Guard guard, EtcdKeys keys) {
        this.connection = Objects.requireNonNull(connection, "connection");
        this.guard = Objects.requireNonNull(guard, "guard");
        this.keys = Objects.requireNonNull(keys, "keys");
        EtcdOptions options = connection.options();
        this.progressNanos = options.watchProgressInterval().toNanos();
        this.verifyNanos = options.watchVerifyInterval().toNanos(); // zero turns the consistency check off
        Duration maxBackoff = options.maxRetryBackoff().compareTo(INITIAL_BACKOFF) < 0 ? INITIAL_BACKOFF : options.maxRetryBackoff();
        this.maxBackoffNanos = maxBackoff.toNanos();
        this.backoff = new Backoff(INITIAL_BACKOFF, maxBackoff, 2, 0.5);
        this.problem = "not read from etcd yet";
        this.problemSinceNanos = System.nanoTime();
        this.thread = new Thread(this::loop, "exstate-etcd-config-" + THREAD_IDS.incrementAndGet());
        thread.setDaemon(true);
    }

    @Override
    public String backendName() {
        return "etcd";
    }

    @Override
    public String describe() {
        return "etcd " + keys.configPrefix();
    }

    /**
     * Reaches etcd (the first connection, retried within the start-up timeout, outside the
     * guard), starts reading and watching in the background, and waits for the first read as the
     * options say. Refused credentials or permissions fail at once, defaults or not.
     */
    @Override
    public void start(Sink sink) {
        this.sink = Objects.requireNonNull(sink, "sink");
        EtcdOptions options = connection.options();
        long start = System.nanoTime();
        StateUnavailableException unreachable = null;
        try {
            // a StateAccessDeniedException is not caught: wrong credentials end start-up at once
            connection.awaitReachable(keys.configPrefix(), keys.configPrefixBytes());
        } catch (StateUnavailableException e) {
            unreachable = e;
        }
        // started even if etcd never answered: with defaults, the loop keeps trying in the background
        thread.start();
        boolean read;
        try {
            // once etcd answered, its first read is quick; still leave it a few seconds on a busy host
            Duration left = options.startupTimeout().minusNanos(System.nanoTime() - start);
            read = options.startupTimeout().isZero()
                    || (unreachable == null && awaitFirstRead(left.compareTo(FIRST_READ) > 0 ? left : FIRST_READ));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StateUnavailableException("etcd", "config.load", elapsed(start),
                    "interrupted while waiting for the first config snapshot from " + keys.configPrefix(), e);
        }
        if (read) {
            return;
        }
        StateAccessDeniedException denied = accessDenied();
        if (denied != null) {
            throw denied;
        }
        Throwable cause = unreachable != null ? unreachable : lastError;
        String p = problem;
        String why = unreachable != null ? unreachable.getMessage() : p == null ? "no answer" : p;
        Map<String, String> defaults = options.defaults();
        if (defaults == null) {
            throw new StateUnavailableException("etcd", "config.load", elapsed(start),
                    "could not read " + keys.configPrefix() + " from " + options.endpoints() + " within startupTimeout "
                            + options.startupTimeout().toMillis() + " ms (" + why + "). Check that etcd runs there, or set "
                            + "EtcdOptions.defaults(...) to start with default config while etcd is away.", cause);
        }
        // revision 0: any snapshot read from etcd later is newer and replaces it
        defaultsOffered = sink.offer(new ConfigSnapshot(0, defaults));
        log.warn("etcd config {}: not readable within {} ({}); serving {} default value(s) until etcd answers",
                keys.configPrefix(), options.startupTimeout(), why, defaults.size());
    }

    /**
     * Waits until the prefix was read once (whether or not the validator accepted it); returns
     * early, false, if etcd refused access first (see {@link #accessDenied()}).
     */
    private boolean awaitFirstRead(Duration timeout) throws InterruptedException {
        firstOutcome.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        return hasRead();
    }

    /** etcd's refusal of the credentials or permissions, if it came before the first read; else null. */
    private StateAccessDeniedException accessDenied() {
        return hasRead() ? null : accessDenied;
    }

    /** True once the prefix was read from etcd. */
    private boolean hasRead() {
        return firstRead.getCount() == 0;
    }

    private static Duration elapsed(long start) {
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /**
     * While the defaults are in force: that; while the watch is not in step with etcd: since
     * when and why. Null otherwise.
     */
    @Override
    public String problem() {
        String p = problem;
        if (defaultsOffered && !acceptedFromEtcd) {
            return "serving the default config until a snapshot from etcd " + keys.configPrefix() + " is accepted"
                    + (p == null ? "" : " (" + p + ")");
        }
        if (p == null) {
            return null;
        }
        long forMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - problemSinceNanos);
        return "etcd watch on " + keys.configPrefix() + " not in step for " + forMs + " ms: " + p;
    }

    /** Full re-reads of the prefix since start, the first one included. */
    public long resyncs() {
        return resyncs.get();
    }

    /** Times the watch found its start revision compacted. */
    public long compactions() {
        return compactions.get();
    }

    /** Times the consistency check found that the watch had missed events. */
    public long missedEvents() {
        return missed.get();
    }

    public String prefix() {
        return keys.configPrefix();
    }

    /** Stops the loop and the watch, and releases this watch's share of the etcd client. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (thread.isAlive()) {
                thread.interrupt();
                if (!stopped.await(5, TimeUnit.SECONDS)) {
                    log.warn("etcd config watch on {} did not stop within 5 s", keys.configPrefix());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            connection.release();
        }
    }

    /**
     * Test hook: watch from {@code fromRevision} without re-reading first, as if etcd had compacted
     * between a read and the watch that follows it. The loop must notice and recover.
     */
    void watchFromWithoutReading(long fromRevision) {
        enqueue(new Rewatch(fromRevision));
    }

    // ------------------------------------------------------------------------------------------
    // The loop

    private void loop() {
        try {
            while (!closed) {
                Signal s = inbox.poll(waitNanos(), TimeUnit.NANOSECONDS);
                try {
                    step(s);
                } catch (Throwable e) {
                    // a bug, a surprise from jetcd or an Error must not end config delivery: start over from a fresh read
                    log.error("etcd config watch on {}: unexpected failure; re-reading the prefix", keys.configPrefix(), e);
                    lastError = e;
                    needResync("unexpected failure: " + describeError(e), e);
                    retryAtNanos = System.nanoTime() + maxBackoffNanos; // no tight loop if it happens again
                }
            }
        } catch (InterruptedException e) {
            // closing
        } finally {
            closeWatcher();
            stopped.countDown();
        }
    }

    private void step(Signal s) {
        if (s != null) {
            handle(s);
        }
        if (overflowed.getAndSet(false) && !resyncPending) {
            needResync("watch events arrived faster than they could be applied", null);
        }
        long now = System.nanoTime();
        if (resyncPending) {
            if (now - retryAtNanos >= 0) {
                resync();
            }
        } else {
            supervise(now);
        }
    }

    private long waitNanos() {
        if (resyncPending) {
            return Math.max(0, Math.min(MAX_TICK_NANOS, retryAtNanos - System.nanoTime()));
        }
        return Math.min(MAX_TICK_NANOS, progressNanos / 4);
    }

    private void handle(Signal s) {
        if (s instanceof Rewatch r) {
            if (!resyncPending) {
                startWatch(r.fromRevision());
            }
            return;
        }
        if (s instanceof Verified v) {
            verified(v);
            return;
        }
        if (s.generation() != generation || resyncPending) {
            return; // from a watcher already given up
        }
        if (s instanceof Events e) {
            heard();
            apply(e.response());
        } else if (s instanceof Failed f) {
            lastError = f.error();
            if (f.error() instanceof CompactedException c) {
                compactions.incrementAndGet();
                log.info("etcd config watch on {}: its start revision is compacted (etcd keeps history from {}); "
                        + "re-reading the prefix", keys.configPrefix(), c.getCompactedRevision());
                needResync("watch start revision was compacted", null);
            } else {
                needResync("watch failed: " + describeError(f.error()), f.error());
            }
        } else if (s instanceof Ended) {
            needResync("watch stream ended", null);
        }
    }

    /**
     * Asks for a progress notification after silence, declares the watch stalled if that goes
     * unanswered, and starts the periodic consistency check.
     */
    private void supervise(long now) {
        if (now - lastHeardNanos >= progressNanos) {
            if (!progressAsked) {
                progressAsked = true;
                progressAskedNanos = now;
                try {
                    watcher.requestProgress();
                } catch (RuntimeException e) {
                    needResync("progress request failed: " + describeError(e), e);
                    return;
                }
            } else if (now - progressAskedNanos >= progressNanos) {
                needResync("etcd watch silent for " + TimeUnit.NANOSECONDS.toMillis(now - lastHeardNanos)
                        + " ms and no answer to a progress request", null);
                return;
            }
        }
        if (verifyNanos > 0 && !verifyInFlight && now - nextVerifyNanos >= 0) {
            verifyInFlight = true;
            int g = generation;
            // asynchronous, so that a slow etcd delays neither events nor the stall check
            guard.callAsync(VERIFY, () -> connection.kv().get(keys.configPrefixBytes(),
                            GetOption.builder().isPrefix(true).withKeysOnly(true).build()))
                    .whenComplete((response, error) -> enqueue(new Verified(g, response, error)));
        }
    }

    private void verified(Verified v) {
        verifyInFlight = false;
        nextVerifyNanos = System.nanoTime() + verifyNanos;
        if (v.generation() != generation || resyncPending) {
            suspects = Map.of(); // the state was rebuilt since the check started
            return;
        }
        if (v.error() != null) {
            log.debug("etcd config watch on {}: consistency check failed: {}", keys.configPrefix(), v.error().toString());
            return; // the watch's own supervision deals with an unreachable etcd
        }
        long readAt = v.response().getHeader().getRevision();
        Map<String, Long> remote = new HashMap<>();
        for (KeyValue kv : v.response().getKvs()) {
            remote.put(id(kv), kv.getModRevision());
        }
        Map<String, Long> behind = new HashMap<>();
        remote.forEach((key, rev) -> {
            Long local = modRevisions.get(key);
            if (local == null || local < rev) {
                behind.put(key, rev);
            }
        });
        modRevisions.forEach((key, rev) -> {
            if (!remote.containsKey(key) && rev <= readAt) {
                behind.put(key, ABSENT); // deleted in etcd after the version applied here
            }
        });
        int lost = 0;
        for (Map.Entry<String, Long> e : behind.entrySet()) {
            if (e.getValue().equals(suspects.get(e.getKey()))) {
                lost++;
            }
        }
        if (lost > 0) {
            missed.incrementAndGet();
            suspects = Map.of();
            log.warn("etcd config watch on {}: {} key(s) still behind etcd since the previous check although etcd did "
                    + "not change them: the watch lost events; re-reading the prefix", keys.configPrefix(), lost);
            needResync("watch missed changes to " + lost + " key(s)", null);
            return;
        }
        suspects = behind;
    }

    private void heard() {
        lastHeardNanos = System.nanoTime();
        progressAsked = false;
    }

    /**
     * Applies a watch response; the events of one revision become one snapshot. A revision that
     * changes no value (a put of the value already there) is not offered: it is no change to a
     * listener, and writers that retry a put until acknowledged produce such revisions.
     */
    private void apply(WatchResponse response) {
        long batch = -1;
        boolean changed = false;
        for (WatchEvent event : response.getEvents()) {
            KeyValue kv = event.getKeyValue();
            long rev = kv.getModRevision();
            if (rev <= revision) {
                continue; // already part of what was read or applied
            }
            if (batch != -1 && rev != batch) {
                settle(batch, changed);
                changed = false;
            }
            batch = rev;
            String id = id(kv);
            String key = keys.configKeyName(kv.getKey());
            switch (event.getEventType()) {
                case PUT -> {
                    String value = EtcdKeys.text(kv.getValue());
                    if (key == null || value == null) {
                        changed |= broken.put(id, notText(kv, key)) == null;
                        changed |= key != null && values.remove(key) != null;
                    } else {
                        changed |= broken.remove(id) != null;
                        changed |= !value.equals(values.put(key, value));
                    }
                    modRevisions.put(id, rev);
                }
                case DELETE -> {
                    changed |= broken.remove(id) != null;
                    changed |= key != null && values.remove(key) != null;
                    modRevisions.remove(id);
                }
                default -> log.debug("etcd config watch on {}: ignoring event of type {}", keys.configPrefix(), event.getEventType());
            }
        }
        if (batch != -1) {
            settle(batch, changed);
        }
    }

    private void settle(long rev, boolean changed) {
        revision = rev;
        if (changed) {
            publish(rev);
        }
    }

    /** Offers the current state, or, while some key is not text, records it as rejected. */
    private void publish(long rev) {
        if (broken.isEmpty()) {
            if (sink.offer(new ConfigSnapshot(rev, values))) {
                acceptedFromEtcd = true;
            }
        } else {
            sink.reject(rev, broken.values().stream().sorted().toList());
        }
    }

    /** The key's bytes one-to-one as a string: distinct for keys that differ in any byte, valid UTF-8 or not. */
    private static String id(KeyValue kv) {
        return new String(kv.getKey().getBytes(), StandardCharsets.ISO_8859_1);
    }

    private String notText(KeyValue kv, String key) {
        return key == null
                ? "etcd key '" + keys.configKeyDescription(kv.getKey()) + "' under " + keys.configPrefix()
                        + " is not valid UTF-8 (written by another client); delete it"
                : "the value of config key '" + key + "' is not valid UTF-8 (written by another client); rewrite it as text";
    }

    private void needResync(String why, Throwable error) {
        closeWatcher();
        resyncPending = true;
        retryAtNanos = System.nanoTime();
        if (problem == null) {
            problemSinceNanos = System.nanoTime();
            if (error != null) {
                log.warn("etcd config watch on {} interrupted ({}); re-reading the prefix", keys.configPrefix(), why);
            } else {
                log.info("etcd config watch on {} interrupted ({}); re-reading the prefix", keys.configPrefix(), why);
            }
        }
        problem = why;
    }

    /** Reads the whole prefix, offers it if it differs from what was seen, and watches from there. */
    private void resync() {
        resyncs.incrementAndGet();
        GetResponse response;
        try {
            // a refusal of access passes the guard untouched: not retried, not counted against the breaker
            response = guard.await(READ, () -> EtcdErrors.sizeErrorsAreCallerErrors(
                    () -> EtcdErrors.translated(connection.kv().get(keys.configPrefixBytes(),
                            GetOption.builder().isPrefix(true).build()), "config.read", keys.configPrefix(), connection.options()),
                    "the read of " + keys.configPrefix(), keys.configPrefixBytes().size(),
                    connection.options().maxInboundMessageSize()));
        } catch (RuntimeException e) {
            readFailed(e);
            return;
        }
        long rev = response.getHeader().getRevision();
        Map<String, String> read = new HashMap<>();
        Map<String, String> readBroken = new HashMap<>();
        Map<String, Long> readRevisions = new HashMap<>();
        for (KeyValue kv : response.getKvs()) {
            String key = keys.configKeyName(kv.getKey());
            String value = EtcdKeys.text(kv.getValue());
            if (key == null || value == null) {
                readBroken.put(id(kv), notText(kv, key));
            } else {
                read.put(key, value);
            }
            readRevisions.put(id(kv), kv.getModRevision());
        }
        if (everRead && rev < revision) {
            log.error("etcd revision of {} went back from {} to {}: the cluster was restored from a backup or "
                    + "replaced. Changes at or below revision {} are not delivered; restart the replicas to reload.",
                    keys.configPrefix(), revision, rev, revision);
        }
        boolean changed = !everRead || !read.equals(values) || !readBroken.equals(broken);
        values = read;
        broken = readBroken;
        modRevisions = readRevisions;
        revision = rev;
        suspects = Map.of();
        verifyInFlight = false; // a check still under way belongs to the old generation and is ignored
        // in step from this read on: cleared before the snapshot is published, so that nobody who has
        // seen it finds health still saying "not read" (startWatch sets the problem again if it fails)
        problem = null;
        if (changed) {
            publish(rev);
        }
        if (!everRead) {
            everRead = true;
            firstRead.countDown();
            firstOutcome.countDown();
        }
        if (failuresInARow > 0) {
            log.info("etcd config watch on {} recovered after {} failed read(s), at revision {}",
                    keys.configPrefix(), failuresInARow, rev);
        }
        failuresInARow = 0;
        resyncPending = false;
        nextVerifyNanos = System.nanoTime() + verifyNanos;
        startWatch(rev + 1);
    }

    private void readFailed(RuntimeException e) {
        lastError = e;
        if (e instanceof StateAccessDeniedException denied) {
            accessDenied = denied;
            firstOutcome.countDown();
        }
        failuresInARow++;
        long pause = backoff.delay(failuresInARow).toNanos();
        retryAtNanos = System.nanoTime() + pause;
        problem = "cannot read " + keys.configPrefix() + " from etcd: " + describeError(e);
        if (failuresInARow == 1 || failuresInARow % 20 == 0) {
            log.warn("etcd config watch on {}: re-read failed {} time(s) in a row, retrying (next in {} ms): {}",
                    keys.configPrefix(), failuresInARow, TimeUnit.NANOSECONDS.toMillis(pause), describeError(e));
        }
    }

    private void startWatch(long fromRevision) {
        closeWatcher();
        int g = ++generation;
        WatchOption option = WatchOption.builder()
                .isPrefix(true)
                .withRevision(fromRevision)
                .withCreateNotify(true)
                // a member cut off from its leader cancels the watch instead of going quiet
                .withRequireLeader(true)
                .build();
        try {
            watcher = connection.watch().watch(keys.configPrefixBytes(), option, new Listener(g));
        } catch (RuntimeException e) {
            needResync("cannot start watch: " + describeError(e), e);
            return;
        }
        heard(); // the silence clock starts now
        problem = null;
    }

    private void closeWatcher() {
        generation++; // whatever the old watcher still says is ignored from now on
        Watch.Watcher w = watcher;
        watcher = null;
        if (w != null) {
            try {
                w.close();
            } catch (RuntimeException e) {
                log.debug("closing etcd watcher", e);
            }
        }
    }

    private void enqueue(Signal s) {
        if (!closed && !inbox.offer(s)) {
            overflowed.set(true);
        }
    }

    private static String describeError(Throwable t) {
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    @Override
    public String toString() {
        return "ConfigWatch[" + keys.configPrefix() + (problem == null ? ", in step" : ", " + problem) + "]";
    }

    // ------------------------------------------------------------------------------------------
    // Signals from other threads to the loop

    private sealed interface Signal permits Events, Failed, Ended, Rewatch, Verified {
        /** The watcher generation the signal belongs to. */
        int generation();
    }

    private record Events(int generation, WatchResponse response) implements Signal {
    }

    private record Failed(int generation, Throwable error) implements Signal {
    }

    private record Ended(int generation) implements Signal {
    }

    private record Verified(int generation, GetResponse response, Throwable error) implements Signal {
    }

    private record Rewatch(long fromRevision) implements Signal {
        @Override
        public int generation() {
            return -1;
        }
    }

    /** One watcher's callbacks, tagged with its generation; after an overflow it stays silent. */
    private final class Listener implements Watch.Listener {
        private final int generation;
        private volatile boolean dropped;

        Listener(int generation) {
            this.generation = generation;
        }

        @Override
        public void onNext(WatchResponse response) {
            send(new Events(generation, response));
        }

        @Override
        public void onError(Throwable error) {
            send(new Failed(generation, error));
        }

        @Override
        public void onCompleted() {
            send(new Ended(generation));
        }

        private void send(Signal s) {
            if (dropped || closed) {
                return;
            }
            if (!inbox.offer(s)) {
                // a gap in the event stream: nothing more from this watcher may be applied
                dropped = true;
                overflowed.set(true);
            }
        }
    }
}
