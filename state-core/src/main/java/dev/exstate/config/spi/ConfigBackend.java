package dev.exstate.config.spi;

import dev.exstate.config.ConfigSnapshot;
import java.util.List;

/**
 * SPI for providers: where config comes from. A backend reads its store and hands every state it
 * finds to a {@link Sink}; everything else (validation, the last good snapshot, listeners in
 * revision order, health, close once) is done once, in {@link PublishingConfigSource}. A provider
 * implements this and builds a {@code PublishingConfigSource} over it, as lease providers implement
 * {@link dev.exstate.lease.spi.LeaseBackend} and build a {@link dev.exstate.lease.spi.LeaseManager}.
 *
 * <p>One backend instance serves one source: the source calls {@link #start} once, then
 * {@link #problem} any number of times from any thread, then {@link #close} once. Implementations
 * must be thread-safe.
 */
public interface ConfigBackend extends AutoCloseable {

    /**
     * Short name of the backend, e.g. {@code "etcd"}: the source's health component is
     * {@code config:<name>} and its delivery thread {@code exstate-config-<name>}.
     */
    String backendName();

    /**
     * Where the config is read from, for messages a user reads, e.g. {@code "etcd /exstate/shop/config/"}
     * or {@code "file /etc/shop/app.properties"}. Never holds a secret.
     */
    String describe();

    /**
     * Starts the feed: from now until {@link #close}, every state of the store goes to
     * {@code sink}, the current one first. May block, e.g. for a first read bounded by a start-up
     * timeout; a backend that can read its store at once should offer that state before returning,
     * so the source is loaded when it is built. If this throws, the source closes the backend and
     * the exception reaches whoever built the source.
     */
    void start(Sink sink);

    /**
     * Why the config in force may lag behind the store right now (it cannot be read, the watch is
     * being re-established, defaults are served), or {@code null} when the feed is in step. Turns
     * the source's health from UP to DEGRADED and explains a source that is not loaded. Must not
     * do I/O.
     */
    default String problem() {
        return null;
    }

    /**
     * Stops the feed and releases what the backend holds. Called once, by the source; a sink call
     * still under way or made after this returns is ignored.
     */
    @Override
    void close();

    /**
     * Where a backend delivers what it reads. Thread-safe; calls never wait for listeners. Revisions
     * not newer than the current snapshot's are ignored, so re-offering a state after a reconnect is
     * harmless.
     */
    interface Sink {

        /**
         * Offers a full snapshot of the store. The first one is accepted whatever its revision;
         * later ones only if newer than the current one. Runs the validator on the caller's
         * thread; whatever the validator throws rejects the snapshot and is never thrown from here.
         *
         * @return true if it became the current snapshot; false if the validator rejected it
         *         (recorded as the last rejection), it was not newer, or the source is closed
         */
        boolean offer(ConfigSnapshot snapshot);

        /**
         * Records that the store holds a state at {@code revision} that cannot be offered at all
         * (e.g. bytes that are not text) as the last rejection; the current snapshot stays in force.
         *
         * @param problems what is wrong, naming keys but never quoting values
         * @return true if recorded; false if {@code revision} is not newer than the current
         *         snapshot's or the source is closed
         */
        boolean reject(long revision, List<String> problems);
    }
}
