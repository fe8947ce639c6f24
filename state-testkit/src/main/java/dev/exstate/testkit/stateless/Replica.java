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
 * its start/stop timeout. The {@link ChurnCheck} ends each replica once, with either {@link #close()}
 * (a graceful scale-in) or {@link #kill()} (a crash), and reads {@link #jobRuns()} after that.
 * {@link #jobRuns()} may be called from another thread than the one that started the replica, so it
 * must return a thread-safe snapshot.
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

    /**
     * Stops without graceful shutdown, as SIGKILL would: no lease release, no flush, connections
     * cut (open requests get no answer). What the replica held in a backend stays there until it
     * expires. The default is {@link #close()}, which is graceful: a replica that can crash more
     * honestly in-process should override this, or a {@link ChurnCheck} tests only graceful exits.
     */
    default void kill() throws Exception {
        close();
    }

    /** A replica made of its parts, for services that do not implement this interface themselves; kill is close. */
    static Replica of(URI baseUri, Supplier<List<JobRun>> jobRuns, AutoCloseable onClose) {
        return of(baseUri, jobRuns, onClose, onClose);
    }

    /** A replica made of its parts, with an abrupt {@code onKill} (see {@link #kill()}) beside the graceful {@code onClose}. */
    static Replica of(URI baseUri, Supplier<List<JobRun>> jobRuns, AutoCloseable onClose, AutoCloseable onKill) {
        Objects.requireNonNull(baseUri, "baseUri");
        Objects.requireNonNull(jobRuns, "jobRuns");
        Objects.requireNonNull(onClose, "onClose");
        Objects.requireNonNull(onKill, "onKill");
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
            public void kill() throws Exception {
                onKill.close();
            }

            @Override
            public String toString() {
                return "Replica[" + baseUri + "]";
            }
        };
    }
}
