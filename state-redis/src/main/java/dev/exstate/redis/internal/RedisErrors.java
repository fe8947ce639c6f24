package dev.exstate.redis.internal;

import dev.exstate.guard.StateDataException;
import io.lettuce.core.RedisCommandExecutionException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * The one place that decides which Redis error replies are caused by the stored data (or by a
 * bad argument) rather than by Redis being unwell. Those become {@link StateDataException} (or
 * {@link IllegalArgumentException}), which the guard neither retries nor counts against the
 * breaker: one corrupt key must not take the replica's Redis calls down with it. Everything else
 * ({@code OOM}, {@code BUSY}, {@code LOADING}, {@code READONLY}, {@code MASTERDOWN},
 * {@code CLUSTERDOWN}, connection errors, timeouts) stays an outage. Not API.
 */
final class RedisErrors {
    /** Error prefix of a script that found data exstate did not write (missing or invalid metadata). */
    static final String CORRUPT = "EXSTATE_CORRUPT";
    /** Error prefix of a script that refused an argument before writing anything. */
    static final String BAD_ARGUMENT = "EXSTATE_BADARG";

    private static final String[] DATA_ERRORS = {
        CORRUPT,
        "WRONGTYPE",                                 // the key holds another type than exstate writes
        "value is not an integer or out of range",   // INCR on a counter that is not a number
        "hash value is not an integer",
        "increment or decrement would overflow",
    };

    private RedisErrors() {
    }

    /** {@code stage}, with data errors and refused arguments replaced as described above. */
    public static <T> CompletionStage<T> mapped(String operation, CompletionStage<T> stage) {
        long start = System.nanoTime();
        return stage.toCompletableFuture().exceptionallyCompose(e -> {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            RuntimeException mapped = map(operation, cause, System.nanoTime() - start);
            return CompletableFuture.failedFuture(mapped != null ? mapped : cause);
        });
    }

    /** The exception {@code error} stands for, or null if it is not a data or argument error. */
    static RuntimeException map(String operation, Throwable error, long elapsedNanos) {
        if (!(error instanceof RedisCommandExecutionException) || error.getMessage() == null) {
            return null;
        }
        String message = error.getMessage();
        if (message.contains(BAD_ARGUMENT)) {
            return new IllegalArgumentException("redis " + operation + ": " + reason(message, BAD_ARGUMENT)
                    + "; nothing was written");
        }
        for (String marker : DATA_ERRORS) {
            if (message.contains(marker)) {
                return new StateDataException("redis", operation, Duration.ofNanos(elapsedNanos),
                        reason(message, marker) + ". The key holds data exstate did not write, so nothing was changed "
                                + "and the call is not retried; remove the key (for a session: invalidate it) and check "
                                + "that nothing else writes under this application's key prefix", error);
            }
        }
        return null;
    }

    /** A data error found by the Java side (a reply it cannot parse). */
    static StateDataException corrupt(String operation, String what) {
        return new StateDataException("redis", operation, Duration.ZERO, what + ". The key holds data exstate did not "
                + "write; remove it (for a session: invalidate it)", null);
    }

    /**
     * The reply from {@code marker} on, without the prefix and without the script location Redis
     * appends ({@code script: <sha>, on @user_script:3.}).
     */
    private static String reason(String message, String marker) {
        String text = message.substring(message.indexOf(marker));
        if (marker.equals(CORRUPT) || marker.equals(BAD_ARGUMENT)) {
            text = text.substring(marker.length()).trim();
        }
        int script = text.indexOf(" script: ");
        return script >= 0 ? text.substring(0, script) : text;
    }
}
