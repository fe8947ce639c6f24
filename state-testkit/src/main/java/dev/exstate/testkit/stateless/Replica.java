package dev.exstate.testkit.stateless;

import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * One running instance of the service under test, as started by a {@link ReplicaFactory}.
 *
 * <p>The {@link StatelessnessCheck} sends HTTP requests to {@link #baseUri()}, reads
 * {@link #jobRuns()} once after its job window, and calls {@link #close()} exactly once, bounded by
 * its start/stop timeout. {@link #jobRuns()} may be called from another thread than the one that
 * started the replica, so it must return a thread-safe snapshot.
 */
@SuppressWarnings("try") // close() may throw anything a service's shutdown throws, InterruptedException included
public interface Replica extends AutoCloseable {

    /** Where the replica listens, e.g. {@code http://127.0.0.1:41234}; step paths are appended. */
    URI baseUri();

    /** The scheduled-job runs this replica performed so far (a snapshot); none by default. */
    default List<JobRun> jobRuns() {
        return List.of();
    }

    /** Stops the replica and releases what it holds (ports, threads, leases). */
    @Override
    void close() throws Exception;

    /** A replica made of its parts, for services that do not implement this interface themselves. */
    static Replica of(URI baseUri, Supplier<List<JobRun>> jobRuns, AutoCloseable onClose) {
        Objects.requireNonNull(baseUri, "baseUri");
        Objects.requireNonNull(jobRuns, "jobRuns");
        Objects.requireNonNull(onClose, "onClose");
        return new Replica() {
            @Override
            public URI baseUri() {
                return baseUri;
            }

            @Override
            public List<JobRun> jobRuns() {
                return List.copyOf(jobRuns.get());
            }

            @Override
            public void close() throws Exception {
                onClose.close();
            }

            @Override
            public String toString() {
                return "Replica[" + baseUri + "]";
            }
        };
    }
}
