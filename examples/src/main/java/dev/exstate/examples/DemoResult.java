package dev.exstate.examples;

import dev.exstate.testkit.stateless.ScaleChurnReport;
import dev.exstate.testkit.stateless.StatelessnessReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the demo found: both verdicts, and the live config change when config comes from etcd;
 * {@link #asExpected()} decides the exit code and {@link #summary()} says it in one line.
 *
 * @param exstate    the report on {@link ShopService}
 * @param naive      the report on {@link NaiveShopService}
 * @param liveChange the live config change, run only with etcd
 */
public record DemoResult(StatelessnessReport exstate, StatelessnessReport naive, Optional<LiveChange> liveChange) {

    public DemoResult(StatelessnessReport exstate, StatelessnessReport naive) {
        this(exstate, naive, Optional.empty());
    }

    /** The naive shop lost carts between replicas. */
    public boolean naiveFailsOnSessions() {
        return !naive.differencesOn("/cart").isEmpty();
    }

    /** The naive shop could not serve a file uploaded to another replica. */
    public boolean naiveFailsOnFiles() {
        return !naive.differencesOn("/files").isEmpty();
    }

    /** The naive shop ran a report tick on both replicas. */
    public boolean naiveFailsOnTimer() {
        return !naive.jobsPassed();
    }

    /** True unless the live config change ran and did not reach every replica. */
    public boolean liveChangePassed() {
        return liveChange.map(LiveChange::reachedAll).orElse(true);
    }

    /**
     * What the demo sets out to show: exstate passes, the naive shop fails on all three, and a
     * live config change (if run) reaches every replica.
     */
    public boolean asExpected() {
        return exstate.passed() && naiveFailsOnSessions() && naiveFailsOnFiles() && naiveFailsOnTimer()
                && liveChangePassed();
    }

    /** One line. */
    public String summary() {
        String livePart = liveChange.map(l -> l.reachedAll() ? "; live config change reached both replicas"
                : "; live config change did NOT reach both replicas").orElse("");
        return summary(exstate.passed(), naiveFailsOnSessions(), naiveFailsOnFiles(), naiveFailsOnTimer(), livePart,
                asExpected(), liveChange.isPresent() ? ", and the config change to reach both replicas" : "");
    }

    private static String summary(boolean exstatePassed, boolean sessions, boolean files, boolean timer, String livePart,
                                  boolean asExpected, String alsoWanted) {
        List<String> naiveFailures = new ArrayList<>();
        if (sessions) {
            naiveFailures.add("sessions");
        }
        if (files) {
            naiveFailures.add("files");
        }
        if (timer) {
            naiveFailures.add("timer");
        }
        String naivePart = naiveFailures.isEmpty() ? "NaiveShopService PASS"
                : "NaiveShopService FAIL on " + String.join(", ", naiveFailures);
        return "Summary: ShopService " + (exstatePassed ? "PASS" : "FAIL") + "; " + naivePart + livePart
                + (asExpected ? " -- as expected: state belongs outside the process."
                : " -- NOT as expected (the demo wants ShopService to pass and the naive one to fail on sessions, files and timer"
                + alsoWanted + ").");
    }

    /**
     * What the demo's churn check ({@code --churn}) found on both shops: the exstate shop must
     * lose nothing while replicas come, go and die; the naive one loses cart items and uploads and
     * runs job ticks twice.
     *
     * @param exstate the churn report on {@link ShopService}
     * @param naive   the churn report on {@link NaiveShopService}
     */
    public record Churn(ScaleChurnReport exstate, ScaleChurnReport naive) {
        public Churn {
            Objects.requireNonNull(exstate, "exstate");
            Objects.requireNonNull(naive, "naive");
        }

        /** ShopService passed, and the naive shop lost session writes and uploads and ran a tick twice. */
        public boolean asExpected() {
            return exstate.passed() && !naive.lostWrites().isEmpty() && !naive.lostUploads().isEmpty()
                    && !naive.duplicateJobRuns().isEmpty();
        }

        /** One line. */
        public String summary() {
            return DemoResult.summary(exstate.passed(), !naive.lostWrites().isEmpty(), !naive.lostUploads().isEmpty(),
                    !naive.duplicateJobRuns().isEmpty(), "", asExpected(), "");
        }
    }

    /**
     * The live config change: a flag changed where the replicas read config, and what two running
     * replicas answered on {@code GET /flags} before and after.
     *
     * @param where      where the config lives, e.g. {@code etcd keys /exstate/shop-1a2b3c4d/config/*}
     * @param key        the changed key
     * @param from       its value before
     * @param to         its value after
     * @param before     each replica's answer before the change
     * @param after      each replica's last answer after it
     * @param reachedAll every replica answered the new value within {@link Demo#LIVE_DEADLINE}
     * @param took       from the write to the last replica answering the new value (or to giving up)
     */
    public record LiveChange(String where, String key, String from, String to, List<String> before, List<String> after,
                             boolean reachedAll, Duration took) {
        public LiveChange {
            before = List.copyOf(before);
            after = List.copyOf(after);
        }

        /** A few lines for the console. */
        public String render() {
            StringBuilder out = new StringBuilder("Live config change: " + key + " " + from + " -> " + to + " in " + where
                    + ", with 2 replicas running\n");
            for (int i = 0; i < before.size(); i++) {
                out.append("  replica ").append(i).append(": before '").append(before.get(i)).append("', after '")
                        .append(after.get(i)).append("'\n");
            }
            out.append(reachedAll ? "  [PASS] both replicas answered the new value within " + took.toMillis()
                    + " ms, without a restart"
                    : "  [FAIL] not every replica answered the new value within " + took.toMillis() + " ms");
            return out.append('\n').toString();
        }
    }
}
