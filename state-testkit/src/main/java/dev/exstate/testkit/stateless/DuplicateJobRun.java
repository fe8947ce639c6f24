package dev.exstate.testkit.stateless;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A job tick that ran on more than one replica of the same world: the timer is kept per process.
 *
 * @param run      the job and tick
 * @param replicas the indexes of the replicas that ran it (sorted, each once)
 */
public record DuplicateJobRun(JobRun run, List<Integer> replicas) {
    public DuplicateJobRun {
        Objects.requireNonNull(run, "run");
        replicas = List.copyOf(replicas);
    }

    /** The (job, tick) pairs that {@code runsByReplica} (index = replica) report more than once, in job and tick order. */
    static List<DuplicateJobRun> among(List<List<JobRun>> runsByReplica) {
        Map<JobRun, TreeSet<Integer>> runs = new TreeMap<>(Comparator.comparing(JobRun::job).thenComparingLong(JobRun::tick));
        for (int i = 0; i < runsByReplica.size(); i++) {
            for (JobRun run : runsByReplica.get(i)) {
                runs.computeIfAbsent(run, k -> new TreeSet<>()).add(i);
            }
        }
        List<DuplicateJobRun> duplicates = new ArrayList<>();
        runs.forEach((run, on) -> {
            if (on.size() > 1) {
                duplicates.add(new DuplicateJobRun(run, List.copyOf(on)));
            }
        });
        return duplicates;
    }

    @Override
    public String toString() {
        return run + " ran on replicas " + replicas;
    }
}
