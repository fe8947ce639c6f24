package dev.exstate.testkit.stateless;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The verdict of a {@link StatelessnessCheck}: which answers differed from the baseline and which
 * job ticks ran on more than one replica. Immutable; {@link #render()} gives a readable report.
 *
 * @param name             what was checked, as given to the check
 * @param replicaCount     replicas in the checked group
 * @param clientCount      virtual clients in the workload
 * @param requestCount     requests sent to the group (the baseline got as many)
 * @param endpoints        per endpoint: requests and differing answers, in first-use order
 * @param differences      every answer that differed from the baseline's, in the order sent
 * @param jobWindow        how long the group ran before job runs were collected
 * @param jobRunCount      job runs the group's replicas reported
 * @param duplicateJobRuns job ticks that ran on more than one replica of the group
 * @param notes            things worth knowing that are not failures (e.g. the baseline itself got errors)
 */
public record StatelessnessReport(String name, int replicaCount, int clientCount, int requestCount,
                                  List<EndpointResult> endpoints, List<Difference> differences,
                                  Duration jobWindow, int jobRunCount, List<DuplicateJobRun> duplicateJobRuns,
                                  List<String> notes) {

    private static final int SHOWN_DIFFERENCES = 5;
    private static final int SHOWN_DUPLICATES = 3;

    public StatelessnessReport {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(jobWindow, "jobWindow");
        endpoints = List.copyOf(endpoints);
        differences = List.copyOf(differences);
        duplicateJobRuns = List.copyOf(duplicateJobRuns);
        notes = List.copyOf(notes);
    }

    /** True when every answer matched the baseline and no job tick ran twice. */
    public boolean passed() {
        return responsesPassed() && jobsPassed();
    }

    /** True when every answer of the group matched the baseline's. */
    public boolean responsesPassed() {
        return differences.isEmpty();
    }

    /** True when no job tick ran on more than one replica. */
    public boolean jobsPassed() {
        return duplicateJobRuns.isEmpty();
    }

    /** The differences on requests whose path starts with {@code pathPrefix}, e.g. {@code "/cart"}. */
    public List<Difference> differencesOn(String pathPrefix) {
        return differences.stream().filter(d -> d.path().startsWith(pathPrefix)).toList();
    }

    /** The kinds of difference found. */
    public Set<Difference.Kind> differenceKinds() {
        return differences.stream().map(Difference::kind)
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(Difference.Kind.class)));
    }

    /** A multi-line, human-readable report: what was checked, PASS/FAIL per area, first differences, hints. */
    public String render() {
        StringBuilder out = new StringBuilder();
        out.append("== Statelessness check: ").append(name).append(" ==\n");
        out.append("Checked: ").append(replicaCount).append(replicaCount == 1 ? " replica" : " replicas")
                .append(" sharing one world, requests round-robin (step i -> replica i % ").append(replicaCount)
                .append("), ").append(clientCount).append(clientCount == 1 ? " client, " : " clients, ")
                .append(requestCount).append(" requests;\n")
                .append("         every answer compared with 1 fresh replica in a world of its own (the baseline).\n\n");

        int matching = requestCount - differences.size();
        out.append(ReportText.verdict(responsesPassed())).append(" responses: ").append(matching).append(" of ")
                .append(requestCount).append(" answers match the baseline\n");
        int width = endpoints.stream().mapToInt(e -> e.endpoint().length()).max().orElse(0);
        for (EndpointResult e : endpoints) {
            out.append("         ").append(e.passed() ? "PASS " : "FAIL ").append(' ')
                    .append(pad(e.endpoint(), width)).append("  ").append(e.requests())
                    .append(e.requests() == 1 ? " request" : " requests");
            if (!e.passed()) {
                out.append(", ").append(e.differing()).append(" differ");
            }
            out.append('\n');
        }

        String window = "in a " + seconds(jobWindow) + " window";
        if (jobRunCount == 0) {
            out.append("[ -- ] scheduled jobs: no job runs reported ").append(window).append(" (nothing to check)\n");
        } else if (jobsPassed()) {
            out.append("[PASS] scheduled jobs: ").append(jobRunCount).append(" runs ").append(window)
                    .append(", no tick ran on two replicas\n");
        } else {
            out.append("[FAIL] scheduled jobs: ").append(jobRunCount).append(" runs ").append(window).append(", ")
                    .append(duplicateJobRuns.size()).append(duplicateJobRuns.size() == 1 ? " tick" : " ticks")
                    .append(" ran on more than one replica, e.g. ")
                    .append(duplicateJobRuns.stream().limit(SHOWN_DUPLICATES).map(DuplicateJobRun::toString)
                            .collect(Collectors.joining("; ")))
                    .append('\n');
        }

        if (!differences.isEmpty()) {
            int shown = Math.min(SHOWN_DIFFERENCES, differences.size());
            out.append("\nDifferences (first ").append(shown).append(" of ").append(differences.size()).append("):\n");
            for (int i = 0; i < shown; i++) {
                Difference d = differences.get(i);
                out.append("  ").append(i + 1).append(". client ").append(d.client()).append(", step ").append(d.step())
                        .append(", replica ").append(d.replica()).append(": ").append(d.request()).append('\n');
                out.append("       expected: ").append(d.expected().shortForm(100)).append('\n');
                out.append("       actual:   ").append(d.actual().shortForm(100)).append('\n');
            }
        }

        ReportText.end(out, hints(), notes, passed(), name);
        return out.toString();
    }

    /** One line per kind of failure found, naming the likely cause. */
    public List<String> hints() {
        List<String> hints = new java.util.ArrayList<>();
        Set<Difference.Kind> kinds = differenceKinds();
        if (kinds.contains(Difference.Kind.BODY)) {
            hints.add("responses differ by replica: state is kept in the process (session map? counter? config read once at start?)");
        }
        if (kinds.contains(Difference.Kind.STATUS)) {
            hints.add("a replica did not find what another one created (404?): sessions or files kept in the process or on local disk");
        }
        if (kinds.contains(Difference.Kind.NO_ANSWER)) {
            hints.add("a request got no answer within the timeout or the connection failed: is every replica up and not blocked?");
        }
        if (!jobsPassed()) {
            hints.add("a scheduled job ran for the same tick on several replicas: a timer per process; "
                    + "run it through a LeasedScheduler so one replica runs each tick");
        }
        return hints;
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }

    private static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + " s" : String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
    }
}
