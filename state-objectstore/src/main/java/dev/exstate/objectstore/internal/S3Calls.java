package dev.exstate.objectstore.internal;

import dev.exstate.guard.Guard;
import dev.exstate.guard.Operation;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The one way the store reaches S3: every request goes through the {@link Guard} (deadline per
 * attempt, breaker, bulkhead, retry of idempotent requests only), and every failure is translated
 * by {@link S3Errors} before the guard judges it. The request supplier is called once per
 * attempt, so a retry sends a fresh request. Not API.
 */
public final class S3Calls {
    private final Guard guard;
    private final S3Client client;

    public S3Calls(Guard guard, S3Client client) {
        this.guard = guard;
        this.client = client;
    }

    public Guard guard() {
        return guard;
    }

    public S3Client client() {
        return client;
    }

    /** Waits for a guarded request; throws the typed exception. */
    public <T> T await(String operation, boolean idempotent, String key, Supplier<CompletableFuture<T>> request) {
        try {
            return guard.await(operation(operation, idempotent), () -> translated(operation, key, request));
        } catch (CompletionException e) {
            throw rethrowable(e);
        }
    }

    /** Starts a guarded request without waiting (for parts in flight). */
    public <T> CompletableFuture<T> async(String operation, boolean idempotent, String key, Supplier<CompletableFuture<T>> request) {
        return guard.callAsync(operation(operation, idempotent), () -> translated(operation, key, request));
    }

    private <T> CompletionStage<T> translated(String operation, String key, Supplier<CompletableFuture<T>> request) {
        CompletableFuture<T> f;
        try {
            f = request.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(S3Errors.translate(e, operation, client.bucket(), key));
        }
        CompletableFuture<T> out = f.handle((v, e) -> e == null
                        ? CompletableFuture.completedFuture(v)
                        : CompletableFuture.<T>failedFuture(S3Errors.translate(e, operation, client.bucket(), key)))
                .thenCompose(x -> x);
        // The guard cancels the future it waits on when it gives up on the attempt (deadline,
        // interruption, close). Passed on to the request's own future, so that a request holding
        // something (a GET's open reply) learns that no one will take its result and releases it.
        out.whenComplete((v, e) -> {
            if (out.isCancelled()) {
                f.cancel(false);
            }
        });
        return out;
    }

    private static Operation operation(String name, boolean idempotent) {
        return idempotent ? Operation.idempotent(name) : Operation.nonIdempotent(name);
    }

    /** The exception inside a future's failure, as the caller should see it. */
    public static RuntimeException rethrowable(Throwable t) {
        Throwable c = S3Errors.unwrap(t);
        if (c instanceof RuntimeException r) {
            return r;
        }
        if (c instanceof Error e) {
            throw e;
        }
        return new CompletionException(c);
    }
}
