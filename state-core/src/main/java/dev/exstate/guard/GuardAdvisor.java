package dev.exstate.guard;

import dev.exstate.internal.Check;
import dev.exstate.internal.guard.LatencyHistogram;
import dev.exstate.time.StateClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Answers "what timeout should this backend have?" from measurement: observes a {@link Guard}'s
 * calls (a latency histogram per operation, bounded memory, no lock per call) and on
 * {@link #advise()} reports the per-attempt timeout, retries, breaker and hedging settings the
 * measured distribution implies, with the reasoning, and as a ready {@link GuardPolicy}.
 *
 * <pre>{@code
 * GuardAdvisor advisor = GuardAdvisor.watch(state.guard());
 * // ... let the service run under its normal load ...
 * GuardAdvisor.Advice advice = advisor.advise();
 * log.info("{}", advice);               // the reasoning, one line per operation and setting
 * GuardPolicy advised = advice.policy(); // paste it, or pass it to the provider's options
 * }</pre>
 *
 * <p>The arithmetic, per operation, over the calls whose first attempt succeeded or timed out
 * (the "measured" calls; calls that were retried or refused say nothing about one attempt):
 * <ul>
 *   <li>fewer than 1,000 measured calls: too few, no advice (a p99 needs 10 calls above it);</li>
 *   <li>the percentile judged is the p99.9 from 10,000 measured calls, else the p99; if more calls
 *       than that percentile leaves above it hit the current timeout, the percentile is at least
 *       the current timeout, which is used instead (and the report says so);</li>
 *   <li>timeout = percentile × {@code margin} (default 2), rounded up to a whole millisecond,
 *       within the builder's {@code timeoutBounds} (default 1 ms to 10 s) and the request budget.</li>
 * </ul>
 * For the guard (one policy for all its operations):
 * <ul>
 *   <li>{@code timeout}: the highest of the operations' timeouts (unchanged if none was advised);
 *       {@code totalTimeout}: the request budget (default the current policy's
 *       {@code totalTimeout});</li>
 *   <li>{@code retryBackoff}: the p95 of the operation that set the timeout (long enough for a
 *       normal call to finish, short next to the timeout), rounded up to a whole millisecond, from
 *       1 ms to the timeout; {@code maxRetries}: the most, up to 3, whose worst
 *       case (every attempt timing out, the longest jittered backoffs) fits the request budget;
 *       0 if no idempotent operation was seen;</li>
 *   <li>breaker {@code failureRateThreshold}: 4 × the observed rate of failed and timed-out calls,
 *       from 20% to 90%; {@code slidingWindowSize}: the calls of 2 s at the observed call rate,
 *       20 to 2,000, and {@code minimumNumberOfCalls} half of it (at least 10); both unchanged
 *       before 100 calls over at least 1 s;</li>
 *   <li>hedging: for reads ({@link Operation#read}) with at least 200 measured calls whose p99 is
 *       at least twice their p95, {@code hedgeAfter} their p95 (the highest of them, rounded up
 *       to a microsecond); otherwise hedging is left as it was.</li>
 * </ul>
 * Everything else is kept from the current policy.
 *
 * <p>Thread-safe; {@link #onCall} may be called from any number of threads. Memory: about 6 KB per
 * operation, for at most 256 operations (more are counted in the totals only).
 */
public final class GuardAdvisor implements GuardObserver, AutoCloseable {
    /** Measured calls needed to advise a timeout: 10 above the p99 (1,000). */
    static final long MIN_SAMPLES = LatencyHistogram.samplesFor(99);
    /** Measured calls needed to judge the p99.9 (10,000). */
    static final long P999_SAMPLES = LatencyHistogram.samplesFor(99.9);
    /** Measured calls of a read needed to advise a hedge after its p95 (200). */
    static final long HEDGE_SAMPLES = LatencyHistogram.samplesFor(95);
    static final int MAX_OPERATIONS = 256;
    static final int MAX_ADVISED_RETRIES = 3;
    static final double THRESHOLD_FACTOR = 4;
    static final float MIN_THRESHOLD = 20;
    static final float MAX_THRESHOLD = 90;
    static final Duration WINDOW_SPAN = Duration.ofSeconds(2);
    static final int MIN_WINDOW = 20;
    static final int MAX_WINDOW = 2_000;
    static final long MIN_CALLS_FOR_RATE = 100;
    private static final long MS = 1_000_000;

    private final String backend;
    private final GuardPolicy current;
    private final Duration budget;
    private final double margin;
    private final Duration minTimeout;
    private final Duration maxTimeout;
    private final StateClock clock;
    private final ConcurrentHashMap<String, Measured> operations = new ConcurrentHashMap<>();
    private final LongAdder calls = new LongAdder();
    private final LongAdder answered = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private volatile long firstNanos;
    private volatile long lastNanos;
    private volatile boolean seen;
    private volatile AutoCloseable registration;

    private GuardAdvisor(Builder b) {
        this.backend = b.backend;
        this.current = b.current;
        this.budget = b.budget != null ? b.budget : b.current.totalTimeout();
        this.margin = b.margin;
        this.minTimeout = b.minTimeout;
        this.maxTimeout = b.maxTimeout;
        this.clock = b.clock;
    }

    /** An advisor with the defaults, observing {@code guard} from now on until {@link #close()}. */
    public static GuardAdvisor watch(Guard guard) {
        return builder(guard.backend(), guard.policy()).build().observe(guard);
    }

    /**
     * A builder for an advisor of backend {@code backend} whose advice starts from {@code current}
     * (the guard's policy): settings the measurement does not speak to are kept.
     */
    public static Builder builder(String backend, GuardPolicy current) {
        return new Builder(backend, current);
    }

    /** Starts observing {@code guard} (until {@link #close()}); returns this advisor. */
    public GuardAdvisor observe(Guard guard) {
        AutoCloseable r = guard.addObserver(this);
        registration = r;
        return this;
    }

    /** Counts one finished call; called by the guard (see {@link GuardObserver}). */
    @Override
    public void onCall(Call call) {
        long now = clock.nanoTime();
        if (!seen) {
            synchronized (this) { // once
                if (!seen) {
                    firstNanos = now;
                    seen = true;
                }
            }
        }
        lastNanos = now;
        calls.increment();
        Outcome o = call.outcome();
        if (o == Outcome.SUCCESS || o == Outcome.FAILURE || o == Outcome.TIMEOUT || o == Outcome.CALLER_ERROR) {
            answered.increment();
        }
        if (o == Outcome.FAILURE || o == Outcome.TIMEOUT) {
            failed.increment();
        }
        Measured m = operations.get(call.operation().name());
        if (m == null) {
            if (operations.size() >= MAX_OPERATIONS) {
                return;
            }
            m = operations.computeIfAbsent(call.operation().name(), n -> new Measured(call.operation()));
        }
        m.calls.increment();
        if (call.retries() == 0 && (o == Outcome.SUCCESS || o == Outcome.TIMEOUT)) {
            m.latency.record(call.durationNanos());
            if (o == Outcome.TIMEOUT) {
                m.timeouts.increment();
            }
        }
    }

    /** The advice from what was measured so far. */
    public Advice advise() {
        List<OperationAdvice> ops = new ArrayList<>();
        StringBuilder r = new StringBuilder();
        long n = calls.sum();
        long answeredCalls = answered.sum();
        long failedCalls = failed.sum();
        double errorRate = answeredCalls == 0 ? 0 : (double) failedCalls / answeredCalls;
        double spanSeconds = seen ? (lastNanos - firstNanos) / 1e9 : 0;
        r.append("GuardAdvisor for ").append(backend).append(": ").append(count(n)).append(" calls");
        if (spanSeconds > 0) {
            r.append(" over ").append(fmt("%.1f", spanSeconds)).append(" s (").append(fmt("%.0f", n / spanSeconds))
                    .append(" calls/s)");
        }
        r.append(", ").append(fmt("%.2f", errorRate * 100)).append("% failed or timed out\n");

        GuardPolicy.Builder p = current.toBuilder();
        OperationAdvice driver = null;
        boolean idempotentSeen = false;
        long hedgeNanos = 0;
        String hedgeBy = null;
        Map<String, Measured> sorted = new TreeMap<>(operations);
        for (Measured m : sorted.values()) {
            OperationAdvice a = adviseOperation(m);
            ops.add(a);
            r.append("  ").append(a.reasoning()).append('\n');
            idempotentSeen |= a.idempotent();
            if (a.enoughSamples() && (driver == null || a.timeout().compareTo(driver.timeout()) > 0)) {
                driver = a;
            }
            if (a.read() && a.measured() >= HEDGE_SAMPLES && a.p99().compareTo(a.p95().multipliedBy(2)) >= 0) {
                long h = ceilTo(a.p95().toNanos(), 1_000);
                if (h > hedgeNanos) {
                    hedgeNanos = h;
                    hedgeBy = a.operation();
                }
            }
        }

        Duration timeout = current.timeout();
        if (driver == null) {
            r.append("  timeout ").append(ms(timeout)).append(" kept: no operation has enough measured calls yet\n");
        } else {
            timeout = driver.timeout();
            r.append("  timeout ").append(ms(timeout)).append(": the highest of the operations' (").append(driver.operation())
                    .append(")\n");
        }
        Duration total = budget;
        if (total.compareTo(timeout) < 0) {
            r.append("  request budget ").append(ms(total)).append(" is below that timeout: timeout cut to the budget, "
                    + "so slow calls will time out\n");
            timeout = total;
        }
        p.fixedTimeout().timeout(timeout).totalTimeout(total);

        Duration backoff = driver == null ? current.retryBackoff()
                : clamp(Duration.ofNanos(ceilTo(driver.p95().toNanos(), MS)), Duration.ofMillis(1), timeout);
        if (ops.isEmpty()) {
            r.append("  retries kept: no operation was seen\n");
        } else if (!idempotentSeen) {
            p.maxRetries(0);
            r.append("  retries 0: no idempotent operation was seen (only idempotent ones are retried)\n");
        } else {
            int retries = retriesWithin(timeout, backoff, total);
            p.maxRetries(retries).retryBackoff(backoff);
            r.append("  retries ").append(retries).append(", backoff ").append(ms(backoff));
            r.append(driver == null ? " (kept)" : " (p95 of " + driver.operation() + ")");
            r.append(": worst case ").append(ms(worstCase(timeout, backoff, retries))).append(" (every attempt timing out)")
                    .append(" within the request budget ").append(ms(total)).append('\n');
        }

        if (n >= MIN_CALLS_FOR_RATE && spanSeconds >= 1) {
            float threshold = threshold(errorRate);
            int window = window(n / spanSeconds);
            int minimum = Math.max(10, window / 2);
            p.failureRateThreshold(threshold).slidingWindowSize(window).minimumNumberOfCalls(Math.min(minimum, window));
            r.append("  breaker: opens at ").append(fmt("%.0f", threshold)).append("% failed (4 × the observed ")
                    .append(fmt("%.2f", errorRate * 100)).append("%, from 20% to 90%) over the last ").append(window)
                    .append(" calls (about 2 s at ").append(fmt("%.0f", n / spanSeconds)).append(" calls/s), judged from ")
                    .append(Math.min(minimum, window)).append(" calls\n");
        } else {
            r.append("  breaker kept: ").append(count(n)).append(" calls over ").append(fmt("%.1f", spanSeconds))
                    .append(" s are too few to judge a call rate (100 calls over 1 s needed)\n");
        }

        if (hedgeBy != null) {
            p.hedgeAfterPercentile(0).hedgeAfter(Duration.ofNanos(hedgeNanos));
            r.append("  hedge reads after ").append(ms(Duration.ofNanos(hedgeNanos))).append(" (p95 of ").append(hedgeBy)
                    .append(", whose p99 is at least twice its p95): about 5% of reads send a second attempt, at most ")
                    .append(fmt("%.0f", current.hedgeBudget() * 100)).append("% (hedgeBudget)\n");
        } else {
            r.append("  hedging kept").append(current.hedging() ? " on" : " off")
                    .append(": no read with 200 measured calls has a tail (p99 at least twice its p95)\n");
        }
        GuardPolicy policy = p.build();
        r.append("  policy: ").append(policy);
        return new Advice(policy, ops, r.toString());
    }

    private OperationAdvice adviseOperation(Measured m) {
        LatencyHistogram.Snapshot s = m.latency.snapshot();
        long measured = s.count();
        Operation op = m.operation;
        Duration p50 = Duration.ofNanos(s.percentile(50));
        Duration p95 = Duration.ofNanos(s.percentile(95));
        Duration p99 = Duration.ofNanos(s.percentile(99));
        Duration p999 = Duration.ofNanos(s.percentile(99.9));
        String kind = op.read() ? "read" : op.idempotent() ? "idempotent" : "not idempotent";
        StringBuilder why = new StringBuilder(op.name()).append(" (").append(kind).append("): ");
        if (measured < MIN_SAMPLES) {
            why.append("too few samples: ").append(count(measured)).append(" measured calls of ").append(count(m.calls.sum()))
                    .append(", ").append(count(MIN_SAMPLES)).append(" needed for a p99 with 10 calls above it → no advice");
            return new OperationAdvice(op.name(), op.idempotent(), op.read(), m.calls.sum(), measured, p50, p95, p99, p999,
                    false, current.timeout(), why.toString());
        }
        boolean p999Trusted = measured >= P999_SAMPLES;
        double q = p999Trusted ? 99.9 : 99;
        String qName = p999Trusted ? "p99.9" : "p99";
        long pq = s.percentile(q);
        why.append("p50=").append(ms(p50)).append(" p95=").append(ms(p95)).append(" p99=").append(ms(p99));
        if (p999Trusted) {
            why.append(" p99.9=").append(ms(p999));
        }
        why.append(" over ").append(count(measured)).append(" calls");
        long timeouts = m.timeouts.sum();
        long base = pq;
        String basis = qName + " × " + java.math.BigDecimal.valueOf(margin).stripTrailingZeros().toPlainString();
        if (timeouts > measured * (100 - q) / 100) {
            long cur = current.timeout().toNanos();
            base = Math.max(pq, cur);
            basis = "current timeout " + ms(current.timeout()) + " × " + java.math.BigDecimal.valueOf(margin).stripTrailingZeros().toPlainString() + ": " + count(timeouts)
                    + " calls timed out, so the " + qName + " is at least that";
        }
        long raw = ceilTo((long) Math.ceil(base * margin), MS);
        Duration timeout = clamp(Duration.ofNanos(raw), minTimeout, maxTimeout);
        why.append(" → timeout ").append(ms(timeout)).append(" (").append(basis);
        if (!p999Trusted) {
            why.append("; p99.9 needs ").append(count(P999_SAMPLES)).append(" calls");
        }
        if (timeout.toNanos() != raw) {
            why.append("; bounded to ").append(ms(minTimeout)).append(" .. ").append(ms(maxTimeout));
        }
        why.append(')');
        return new OperationAdvice(op.name(), op.idempotent(), op.read(), m.calls.sum(), measured, p50, p95, p99, p999,
                true, timeout, why.toString());
    }

    /** The most retries, up to 3, whose worst case fits {@code total}. */
    static int retriesWithin(Duration timeout, Duration backoff, Duration total) {
        int r = 0;
        while (r < MAX_ADVISED_RETRIES && worstCase(timeout, backoff, r + 1).compareTo(total) <= 0) {
            r++;
        }
        return r;
    }

    /** Every attempt timing out after the longest backoffs: timeout + sum over k = 1..r of (backoff × 2^(k-1) + timeout). */
    static Duration worstCase(Duration timeout, Duration backoff, int retries) {
        Duration d = timeout;
        for (int k = 1; k <= retries; k++) {
            d = d.plus(backoff.multipliedBy(1L << (k - 1))).plus(timeout);
        }
        return d;
    }

    /** 4 × the error rate in percent, rounded up, from 20 to 90. */
    static float threshold(double errorRate) {
        double t = Math.ceil(THRESHOLD_FACTOR * errorRate * 100 - 1e-9);
        return (float) Math.max(MIN_THRESHOLD, Math.min(MAX_THRESHOLD, t));
    }

    /** The calls of 2 s at {@code callsPerSecond}, from 20 to 2,000. */
    static int window(double callsPerSecond) {
        long w = Math.round(callsPerSecond * WINDOW_SPAN.toNanos() / 1e9);
        return (int) Math.max(MIN_WINDOW, Math.min(MAX_WINDOW, w));
    }

    /** Stops observing the guard given to {@link #observe} (idempotent); the figures so far stay. */
    @Override
    public void close() {
        AutoCloseable r = registration;
        if (r != null) {
            try {
                r.close();
            } catch (Exception e) {
                throw new IllegalStateException("could not remove the advisor's observer", e);
            }
        }
    }

    @Override
    public String toString() {
        return "GuardAdvisor[" + backend + ", " + calls.sum() + " calls]";
    }

    private static long ceilTo(long nanos, long unit) {
        return Math.max(unit, (nanos + unit - 1) / unit * unit);
    }

    private static Duration clamp(Duration d, Duration min, Duration max) {
        return d.compareTo(min) < 0 ? min : d.compareTo(max) > 0 ? max : d;
    }

    /** Milliseconds: whole ones as such, else 2 decimals under 1 ms, 1 under 100 ms. */
    static String ms(Duration d) {
        long nanos = d.toNanos();
        double v = nanos / 1e6;
        if (nanos % MS == 0) {
            return nanos / MS + " ms";
        }
        return (v < 1 ? fmt("%.2f", v) : v < 100 ? fmt("%.1f", v) : fmt("%.0f", v)) + " ms";
    }

    private static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private static String fmt(String format, double v) {
        return String.format(Locale.ROOT, format, v);
    }

    /** What one operation measured. */
    private static final class Measured {
        final Operation operation;
        final LatencyHistogram latency = new LatencyHistogram();
        final LongAdder calls = new LongAdder();
        final LongAdder timeouts = new LongAdder();

        Measured(Operation operation) {
            this.operation = operation;
        }
    }

    /**
     * The advice for one operation.
     *
     * @param operation     its name
     * @param idempotent    whether it may be retried
     * @param read          whether it may be hedged
     * @param calls         calls seen
     * @param measured      calls whose first attempt succeeded or timed out: the latency sample
     * @param p50           median of the measured calls (zero if none); p95, p99 and p99.9 alike,
     *                      each at most 6.25% above the true value
     * @param enoughSamples whether {@code measured} is enough to advise (at least 1,000)
     * @param timeout       the advised per-attempt timeout; the current one if not enough samples
     * @param reasoning     one line saying what was measured and how the advice follows
     */
    public record OperationAdvice(String operation, boolean idempotent, boolean read, long calls, long measured,
                                  Duration p50, Duration p95, Duration p99, Duration p999, boolean enoughSamples,
                                  Duration timeout, String reasoning) {
    }

    /** The advice at one moment: the reasoning to read, and the policy to apply. Immutable. */
    public static final class Advice {
        private final GuardPolicy policy;
        private final List<OperationAdvice> operations;
        private final String report;

        private Advice(GuardPolicy policy, List<OperationAdvice> operations, String report) {
            this.policy = policy;
            this.operations = List.copyOf(operations);
            this.report = report;
        }

        /** The advised policy: the current one with the settings the measurement speaks to replaced. */
        public GuardPolicy policy() {
            return policy;
        }

        /** Per operation, by name. */
        public List<OperationAdvice> operations() {
            return operations;
        }

        /** The reasoning, one line per operation and per setting, then the policy. */
        public String report() {
            return report;
        }

        /** {@link #report()}. */
        @Override
        public String toString() {
            return report;
        }
    }

    /**
     * Builder for {@link GuardAdvisor}; each setter checks its value at once. Not thread-safe.
     */
    public static final class Builder {
        private final String backend;
        private final GuardPolicy current;
        private Duration budget;
        private double margin = 2.0;
        private Duration minTimeout = Duration.ofMillis(1);
        private Duration maxTimeout = Duration.ofSeconds(10);
        private StateClock clock = StateClock.system();

        private Builder(String backend, GuardPolicy current) {
            this.backend = Check.valid(backend, backend != null && !backend.isBlank(), () -> "backend name must not be blank");
            this.current = Objects.requireNonNull(current, "current policy");
        }

        /**
         * The whole time a request may spend on one guarded call, retries included; it becomes the
         * advised {@code totalTimeout} and bounds the retries. Positive, at most
         * {@link GuardPolicy#MAX_DURATION} (default the current policy's {@code totalTimeout}).
         */
        public Builder requestBudget(Duration v) {
            this.budget = Check.positive(v, GuardPolicy.MAX_DURATION, "requestBudget");
            return this;
        }

        /** Factor applied to the measured percentile: 1 to 100 (default 2). */
        public Builder margin(double v) {
            this.margin = Check.valid(v, v >= 1 && v <= 100, () -> "margin must be between 1 and 100, was " + v);
            return this;
        }

        /** Bounds of an advised per-attempt timeout: {@code min} positive, at most {@code max} (default 1 ms to 10 s). */
        public Builder timeoutBounds(Duration min, Duration max) {
            Duration lo = Check.positive(min, GuardPolicy.MAX_DURATION, "timeoutBounds min");
            Duration hi = Check.positive(max, GuardPolicy.MAX_DURATION, "timeoutBounds max");
            Check.valid(lo, lo.compareTo(hi) <= 0, () -> "timeoutBounds min (" + lo + ") must be <= max (" + hi + ")");
            this.minTimeout = lo;
            this.maxTimeout = hi;
            return this;
        }

        /** The clock that times the call rate (default the system clock). */
        public Builder clock(StateClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public GuardAdvisor build() {
            return new GuardAdvisor(this);
        }
    }
}
