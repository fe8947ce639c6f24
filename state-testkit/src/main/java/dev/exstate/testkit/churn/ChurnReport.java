package dev.exstate.testkit.churn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exstate.testkit.churn.SchedulerChurn.Signal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@link SchedulerChurn} measured. Figures:
 * <ul>
 *   <li>{@link #ticks()}: distinct ticks the job ran; {@link #duplicateTicks()}: ticks written by
 *       more than one run (must be none);</li>
 *   <li>{@link #tickOrderInversions()}: places where, with lines sorted by tick, a fencing token is
 *       not greater than the one before (must be none: tokens strictly increase in tick order);</li>
 *   <li>{@link #writeOrderInversions()}: the same in the order the lines were written; a replica
 *       that stalls between its validity check and its write can write late, so this may be
 *       nonzero without any tick running twice;</li>
 *   <li>per signal, the failover gap of each event: from the moment the signal was sent to the
 *       first line written by another replica.</li>
 * </ul>
 */
public final class ChurnReport {

    /** One signal sent: to whom, when ({@link System#nanoTime()}), and whether aimed at the replica that had just run. */
    public record Event(Signal signal, long pid, long atNanos, boolean aimed) {
        public Event {
            Objects.requireNonNull(signal, "signal");
        }
    }

    /** The figures of one kind of signal. */
    public record SignalStats(int events, int aimed, int midRun, Duration maxGap, Duration maxGapMidRun, int withoutFailover) {
    }

    private record Line(long tick, long token, long pid, long nanos) {
    }

    /** What the churn's settings let a replica promise: the ticks to run, and the failover bounds. */
    record Promise(int targetTicks, Duration afterKill, Duration afterTerm) {
    }

    private final int ticks;
    private final long firstTick;
    private final long lastTick;
    private final int lines;
    private final int malformed;
    private final List<Long> duplicateTicks;
    private final int tickOrderInversions;
    private final int writeOrderInversions;
    private final Map<Signal, SignalStats> bySignal;
    private final int replicasStarted;
    private final Duration elapsed;
    private final long seed;
    private final String logTails;
    private final Promise promise;

    private ChurnReport(int ticks, long firstTick, long lastTick, int lines, int malformed, List<Long> duplicateTicks,
                        int tickOrderInversions, int writeOrderInversions, Map<Signal, SignalStats> bySignal,
                        int replicasStarted, Duration elapsed, long seed, String logTails, Promise promise) {
        this.ticks = ticks;
        this.firstTick = firstTick;
        this.lastTick = lastTick;
        this.lines = lines;
        this.malformed = malformed;
        this.duplicateTicks = List.copyOf(duplicateTicks);
        this.tickOrderInversions = tickOrderInversions;
        this.writeOrderInversions = writeOrderInversions;
        this.bySignal = Map.copyOf(bySignal);
        this.replicasStarted = replicasStarted;
        this.elapsed = elapsed;
        this.seed = seed;
        this.logTails = logTails;
        this.promise = promise;
    }

    static ChurnReport analyse(List<String> rawLines, List<Event> events, Duration work, int replicasStarted,
                               Duration elapsed, long seed, String logTails, Promise promise) {
        List<Line> written = new ArrayList<>();
        int malformed = 0;
        for (String raw : rawLines) {
            String[] f = raw.trim().split(" ");
            try {
                if (f.length != 4) {
                    throw new NumberFormatException(raw);
                }
                written.add(new Line(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3])));
            } catch (NumberFormatException e) {
                malformed++;
            }
        }
        Map<Long, Integer> runsPerTick = new HashMap<>();
        written.forEach(l -> runsPerTick.merge(l.tick(), 1, Integer::sum));
        List<Long> duplicates = runsPerTick.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey)
                .sorted().toList();

        int writeOrder = inversions(written);
        List<Line> byTick = new ArrayList<>(written);
        byTick.sort(Comparator.comparingLong(Line::tick).thenComparingLong(Line::token));
        int tickOrder = inversions(byTick);

        List<Line> byTime = new ArrayList<>(written);
        byTime.sort(Comparator.comparingLong(Line::nanos));
        Map<Signal, SignalStats> stats = new EnumMap<>(Signal.class);
        for (Signal s : Signal.values()) {
            int count = 0;
            int aimed = 0;
            int midRun = 0;
            int without = 0;
            long maxGap = 0;
            long maxGapMidRun = 0;
            for (Event e : events) {
                if (e.signal() != s) {
                    continue;
                }
                count++;
                aimed += e.aimed() ? 1 : 0;
                boolean inRun = victimWasRunning(byTime, e, work);
                midRun += inRun ? 1 : 0;
                long gap = failoverGap(byTime, e);
                if (gap < 0) {
                    without++;
                    continue;
                }
                maxGap = Math.max(maxGap, gap);
                if (inRun) {
                    maxGapMidRun = Math.max(maxGapMidRun, gap);
                }
            }
            stats.put(s, new SignalStats(count, aimed, midRun, Duration.ofNanos(maxGap), Duration.ofNanos(maxGapMidRun), without));
        }
        long first = byTick.isEmpty() ? 0 : byTick.get(0).tick();
        long last = byTick.isEmpty() ? 0 : byTick.get(byTick.size() - 1).tick();
        return new ChurnReport(runsPerTick.size(), first, last, written.size(), malformed, duplicates, tickOrder, writeOrder,
                stats, replicasStarted, elapsed, seed, logTails, promise);
    }

    private static int inversions(List<Line> lines) {
        int n = 0;
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).token() <= lines.get(i - 1).token()) {
                n++;
            }
        }
        return n;
    }

    /** Nanoseconds from the signal to the first line of another replica; -1 if there is none. */
    private static long failoverGap(List<Line> byTime, Event e) {
        for (Line l : byTime) {
            if (l.nanos() > e.atNanos() && l.pid() != e.pid()) {
                return l.nanos() - e.atNanos();
            }
        }
        return -1;
    }

    /** True if the victim's last line before the signal was written less than one run's work earlier: it held the lease. */
    private static boolean victimWasRunning(List<Line> byTime, Event e, Duration work) {
        Line last = null;
        for (Line l : byTime) {
            if (l.nanos() > e.atNanos()) {
                break;
            }
            if (l.pid() == e.pid()) {
                last = l;
            }
        }
        return last != null && e.atNanos() - last.nanos() < work.toNanos();
    }

    public int ticks() {
        return ticks;
    }

    public int lines() {
        return lines;
    }

    public int malformedLines() {
        return malformed;
    }

    public List<Long> duplicateTicks() {
        return duplicateTicks;
    }

    public int tickOrderInversions() {
        return tickOrderInversions;
    }

    public int writeOrderInversions() {
        return writeOrderInversions;
    }

    public SignalStats stats(Signal signal) {
        return bySignal.get(signal);
    }

    public int replicasStarted() {
        return replicasStarted;
    }

    public Duration elapsed() {
        return elapsed;
    }

    /**
     * Asserts what a leased scheduler promises under churn: the target number of ticks ran, none
     * twice, fencing tokens rise with the ticks, every line the replicas wrote is readable, every
     * kind of signal was sent and each was followed by a run on another replica. After SIGKILL of
     * the holder (or a SIGSTOP longer than the TTL) the backend frees the lease at most one TTL
     * after the last renewal, and the next tick after that runs elsewhere: the gap is at most TTL +
     * one renewal period + one period, plus {@code expiryLag} for a backend that only notices an
     * expired lease at its next periodic check. After SIGTERM the holder finishes its run and
     * releases: well within a second, plus one period. A failure shows this report and the
     * replicas' logs.
     *
     * @param backend   names the backend in the failure message, e.g. {@code "Redis"}
     * @param expiryLag how late the backend may notice that a lease expired; zero if it never is
     */
    public void assertHolds(String backend, Duration expiryLag) {
        String context = backend + " " + this + System.lineSeparator() + logTails;
        assertThat(ticks).as(context).isGreaterThanOrEqualTo(promise.targetTicks());
        assertThat(duplicateTicks).as(context).isEmpty();
        assertThat(tickOrderInversions).as(context).isZero();
        assertThat(malformed).as(context).isZero();
        for (Signal s : Signal.values()) {
            assertThat(stats(s).events()).as(context).isPositive();
            assertThat(stats(s).withoutFailover()).as(context).isZero();
        }
        assertThat(stats(Signal.KILL).maxGap()).as(context).isLessThanOrEqualTo(promise.afterKill().plus(expiryLag));
        assertThat(stats(Signal.TERM).maxGap()).as(context).isLessThanOrEqualTo(promise.afterTerm());
    }

    /** The last lines each replica still running at the end printed, for failure messages. */
    public String logTails() {
        return logTails;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        String nl = System.lineSeparator();
        sb.append(String.format(Locale.ROOT, "scheduler churn: %d ticks run (ticks %d..%d, %d lines) in %.1f s, %d replica "
                + "processes started, seed %d%n", ticks, firstTick, lastTick, lines, elapsed.toMillis() / 1000.0,
                replicasStarted, seed));
        sb.append("  duplicate ticks: ").append(duplicateTicks.size())
                .append(duplicateTicks.isEmpty() ? "" : " " + duplicateTicks.subList(0, Math.min(10, duplicateTicks.size())))
                .append(nl);
        sb.append("  token inversions in tick order: ").append(tickOrderInversions).append(nl);
        sb.append("  token inversions in write order: ").append(writeOrderInversions).append(nl);
        sb.append("  malformed lines: ").append(malformed).append(nl);
        for (Signal s : Signal.values()) {
            SignalStats st = bySignal.get(s);
            String name = switch (s) {
                case KILL -> "SIGKILL";
                case TERM -> "SIGTERM";
                case STOP -> "SIGSTOP+SIGCONT";
            };
            sb.append(String.format(Locale.ROOT, "  %s: %d events (%d aimed at the replica that had just run, %d hit it "
                    + "mid-run), max failover gap %d ms (mid-run %d ms), events without failover %d%n", name, st.events(),
                    st.aimed(), st.midRun(), st.maxGap().toMillis(), st.maxGapMidRun().toMillis(), st.withoutFailover()));
        }
        return sb.toString();
    }
}
