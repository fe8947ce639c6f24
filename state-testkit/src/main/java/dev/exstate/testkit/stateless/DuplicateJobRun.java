package dev.exstate.testkit.stateless;

import java.util.List;
import java.util.Objects;

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

    @Override
    public String toString() {
        return run + " ran on replicas " + replicas;
    }
}
