package dev.exstate.testkit.backend;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What the launchers of this package share: each starts (and restarts) its processes with
 * {@link #start()} and ends them with {@link #close()}, which throws nothing checked.
 *
 * @param <T> the launcher itself, which {@code start()} returns
 */
interface Launcher<T> extends AutoCloseable {

    T start();

    @Override
    void close();

    /** Closes each of {@code launchers} in order, even if one fails; then throws the first failure. */
    static void closeAll(List<? extends Launcher<?>> launchers) {
        RuntimeException first = null;
        for (Launcher<?> l : launchers) {
            try {
                l.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /**
     * Asks {@code attempt} every {@code pollMillis} until it answers; after {@code timeout} throws a
     * {@link BackendStartException} with the message {@code timedOut} gives then.
     */
    static <V> V await(Duration timeout, long pollMillis, Supplier<Optional<V>> attempt, Supplier<String> timedOut) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<V> answer = attempt.get();
            if (answer.isPresent()) {
                return answer.get();
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new BackendStartException(timedOut.get());
            }
            BackendProcess.sleepMillis(pollMillis);
        }
    }
}
