package dev.exstate.testkit.stateless;

import dev.exstate.testkit.stateless.ChurnCheck.ScaleAction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The verdict of a {@link ChurnCheck}: what was lost while replicas came and went. Immutable;
 * {@link #render()} gives a readable report.
 *
 * <p>Failures: {@link #lostWrites()} (an acknowledged session write missing from the session read
 * afterwards), {@link #lostUploads()} (an acknowledged upload missing or with other bytes),
 * {@link #duplicateJobRuns()} (a job tick run by two replicas, killed ones included),
 * {@link #readinessFlaps()} (a replica in rotation went from ready to not ready), and requests no
 * replica could serve ({@link #unservedRequests()}). A request that failed once and was then served
 * by another replica is what a balancer's retry hides: counted and listed, during scale events and
 * outside them (a slow backend on a busy host), not a failure.
 *
 * @param name                     what was checked, as given to the check
 * @param seed                     the seed: the same seed gives the same events and requests
 * @param minReplicas              the group's lower bound (and its size at the start)
 * @param maxReplicas              the group's upper bound
 * @param users                    concurrent users
 * @param elapsed                  from the first user request to the end of the churn
 * @param events                   the scale events, in order
 * @param replicasStarted          replicas started in all, scale-outs included
 * @param requests                 request attempts sent, retries and final reads included
 * @param sessionWrites            session writes acknowledged (2xx)
 * @param lostWrites               acknowledged session writes missing afterwards
 * @param uploads                  uploads acknowledged (2xx, id captured)
 * @param lostUploads              acknowledged uploads missing or different afterwards
 * @param jobRunCount              job runs reported by every replica that ever ran
 * @param duplicateJobRuns         job ticks that ran on more than one replica (indexes in start order)
 * @param failedDuringScaleEvents  attempts that failed while a scale event was under way (or within a second after)
 * @param failedOutsideScaleEvents attempts that failed with no scale event near
 * @param unservedRequests         requests that failed on every replica tried
 * @param readinessPolls           readiness answers read from replicas in rotation
 * @param readinessFlaps           ready-to-not-ready changes of a replica not being removed
 * @param notes                    things worth knowing that are not failures
 */
public record ScaleChurnReport(String name, long seed, int minReplicas, int maxReplicas, int users, Duration elapsed,
                               List<ScaleEvent> events, int replicasStarted, long requests, int sessionWrites,
                               List<LostWrite> lostWrites, int uploads, List<LostUpload> lostUploads, int jobRunCount,
                               List<DuplicateJobRun> duplicateJobRuns, List<FailedRequest> failedDuringScaleEvents,
                               List<FailedRequest> failedOutsideScaleEvents, int unservedRequests, int readinessPolls,
                               List<ReadinessFlap> readinessFlaps, List<String> notes) {

    private static final int SHOWN = 5;

    public ScaleChurnReport {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(elapsed, "elapsed");
        events = List.copyOf(events);
        lostWrites = List.copyOf(lostWrites);
        lostUploads = List.copyOf(lostUploads);
        duplicateJobRuns = List.copyOf(duplicateJobRuns);
        failedDuringScaleEvents = List.copyOf(failedDuringScaleEvents);
        failedOutsideScaleEvents = List.copyOf(failedOutsideScaleEvents);
        readinessFlaps = List.copyOf(readinessFlaps);
        notes = List.copyOf(notes);
    }

    /**
     * One scale event.
     *
     * @param number        1-based, in order
     * @param action        what the autoscaler did
     * @param replica       the replica started, removed or killed (index in start order)
     * @param at            when it began, from the start of the churn
     * @param took          how long it took (start until ready; drain and close; kill)
     * @param replicasAfter replicas in rotation afterwards
     */
    public record ScaleEvent(int number, ScaleAction action, int replica, Duration at, Duration took, int replicasAfter) {
        public ScaleEvent {
            Objects.requireNonNull(action, "action");
        }

        @Override
        public String toString() {
            return "#" + number + " at " + seconds(at) + " " + action + " replica " + replica + " (" + took.toMillis()
                    + " ms, " + replicasAfter + " in rotation)";
        }
    }

    /**
     * A request attempt that got no answer or a 5xx; the driver then tried the next replica.
     *
     * @param user    the user that sent it ({@code verify} for the final reads)
     * @param request as sent, e.g. {@code POST /cart/items}
     * @param replica the replica it went to
     * @param failure the answer, or why there was none
     * @param event   the number of the scale event it overlapped, or 0 for none
     */
    public record FailedRequest(String user, String request, int replica, String failure, int event) {
        @Override
        public String toString() {
            return user + " " + request + " -> replica " + replica + ": " + failure + (event > 0 ? " (event #" + event + ")" : "");
        }
    }

    /**
     * An acknowledged session write the final read of its session did not show.
     *
     * @param user      the user
     * @param item      the item written
     * @param finalRead what the session read answered
     */
    public record LostWrite(String user, String item, String finalRead) {
        @Override
        public String toString() {
            return user + " wrote " + item + ", the session now reads " + finalRead;
        }
    }

    /**
     * An acknowledged upload that could not be downloaded as uploaded.
     *
     * @param user    the user
     * @param request the download as sent
     * @param bytes   the size uploaded
     * @param problem {@code missing: ...} or {@code partial: ...}
     */
    public record LostUpload(String user, String request, int bytes, String problem) {
        @Override
        public String toString() {
            return user + " uploaded " + bytes + " bytes; " + request + " -> " + problem;
        }
    }

    /**
     * A replica in rotation that had answered ready and then did not, while it was not being removed.
     *
     * @param replica the replica
     * @param at      when, from the start of the churn
     * @param answer  the not-ready answer
     */
    public record ReadinessFlap(int replica, Duration at, String answer) {
        @Override
        public String toString() {
            return "replica " + replica + " at " + seconds(at) + ": " + answer;
        }
    }

    /** True when nothing acknowledged was lost, no tick ran twice, no replica flapped and every request was served. */
    public boolean passed() {
        return lostWrites.isEmpty() && lostUploads.isEmpty() && duplicateJobRuns.isEmpty() && readinessFlaps.isEmpty()
                && unservedRequests == 0;
    }

    /** Scale events of one kind. */
    public long count(ScaleAction action) {
        return events.stream().filter(e -> e.action() == action).count();
    }

    /** A multi-line, human-readable report: the churn, PASS/FAIL per area with its figures, first problems. */
    public String render() {
        StringBuilder out = new StringBuilder();
        out.append("== Churn check: ").append(name).append(" ==\n");
        out.append("Churn: ").append(minReplicas).append("..").append(maxReplicas).append(" replicas behind a round-robin balancer, ")
                .append(users).append(users == 1 ? " user, " : " users, ").append(seconds(elapsed)).append(", seed ").append(seed)
                .append(";\n       ").append(events.size()).append(" scale events (").append(count(ScaleAction.SCALE_OUT))
                .append(" out, ").append(count(ScaleAction.SCALE_IN)).append(" in gracefully, ").append(count(ScaleAction.KILL))
                .append(" killed), ").append(replicasStarted).append(" replicas started, ").append(requests)
                .append(" requests sent\n");
        events.forEach(e -> out.append("       ").append(e).append('\n'));
        out.append(ReportText.verdict(lostWrites.isEmpty())).append(" session writes: ").append(sessionWrites)
                .append(" acknowledged, ").append(lostWrites.size()).append(" lost\n");
        out.append(ReportText.verdict(lostUploads.isEmpty())).append(" uploads: ").append(uploads).append(" acknowledged, ")
                .append(lostUploads.size()).append(" lost or partial\n");
        out.append(ReportText.verdict(duplicateJobRuns.isEmpty())).append(" scheduled jobs: ").append(jobRunCount)
                .append(" runs on all replicas (killed ones included), ").append(duplicateJobRuns.size())
                .append(" duplicate ticks\n");
        out.append(ReportText.verdict(unservedRequests == 0)).append(" requests: ")
                .append(failedDuringScaleEvents.size()).append(" failed during scale events and were retried on another replica, ")
                .append(failedOutsideScaleEvents.size()).append(" failed outside scale events, ").append(unservedRequests)
                .append(" served by no replica\n");
        out.append(ReportText.verdict(readinessFlaps.isEmpty())).append(" readiness: ").append(readinessPolls)
                .append(" polls of replicas in rotation, ").append(readinessFlaps.size()).append(" flaps\n");
        section(out, "Lost session writes", lostWrites);
        section(out, "Lost or partial uploads", lostUploads);
        section(out, "Duplicate job ticks", duplicateJobRuns);
        section(out, "Requests failed during scale events", failedDuringScaleEvents);
        section(out, "Requests failed outside scale events", failedOutsideScaleEvents);
        section(out, "Readiness flaps", readinessFlaps);
        ReportText.end(out, hints(), notes, passed(), name);
        return out.toString();
    }

    /** One line per kind of failure found, naming the likely cause. */
    public List<String> hints() {
        List<String> hints = new ArrayList<>();
        if (!lostWrites.isEmpty()) {
            hints.add("acknowledged session writes are gone: sessions kept in the process (or written back late) vanish "
                    + "with the replica or are unknown to the next; keep them in a shared SessionStore");
        }
        if (!lostUploads.isEmpty()) {
            hints.add("acknowledged uploads are gone or differ: files on a replica's disk leave with it; store them in a BlobStore");
        }
        if (!duplicateJobRuns.isEmpty()) {
            hints.add("a job tick ran on two replicas: a timer per process; run it through a LeasedScheduler");
        }
        if (!readinessFlaps.isEmpty()) {
            hints.add("a replica in rotation stopped being ready while the backends were up: readiness should not depend on "
                    + "other replicas coming and going");
        }
        if (unservedRequests > 0) {
            hints.add("requests failed on every replica tried: the service fails under load or while others start and stop");
        }
        return hints;
    }

    private static void section(StringBuilder out, String title, List<?> items) {
        if (items.isEmpty()) {
            return;
        }
        int shown = Math.min(SHOWN, items.size());
        out.append('\n').append(title).append(" (first ").append(shown).append(" of ").append(items.size()).append("):\n");
        out.append(items.stream().limit(shown).map(i -> "  - " + i).collect(Collectors.joining("\n"))).append('\n');
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }
}
