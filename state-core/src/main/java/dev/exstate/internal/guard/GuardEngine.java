package dev.exstate.internal.guard;

import dev.exstate.guard.Fallback;
import dev.exstate.guard.GuardPolicy;
import dev.exstate.guard.GuardStats;
import dev.exstate.guard.Operation;
import dev.exstate.health.BackendHealth;
import dev.exstate.time.StateClock;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Implementation of {@link dev.exstate.guard.Guard}. Not API. */
public final class GuardEngine {
    public static final Predicate<Throwable> DEFAULT_FAILURE_PREDICATE = t ->
            !(t instanceof IllegalArgumentException || t instanceof IllegalStateException
                    || t instanceof UnsupportedOperationException);

    private final String backend;
    private final GuardPolicy policy;

    public GuardEngine(String backend, GuardPolicy policy, StateClock clock, Predicate<Throwable> isBackendFailure) {
        this.backend = backend;
        this.policy = policy;
    }

    public String backend() {
        return backend;
    }

    public GuardPolicy policy() {
        return policy;
    }

    public <T> T call(Operation op, Callable<T> body, Fallback<T> fallback) {
        throw new UnsupportedOperationException("TODO");
    }

    public <T> CompletableFuture<T> callAsync(Operation op, Supplier<? extends CompletionStage<T>> body, Fallback<T> fallback) {
        throw new UnsupportedOperationException("TODO");
    }

    public <T> T await(Operation op, Supplier<? extends CompletionStage<T>> body, Fallback<T> fallback) {
        throw new UnsupportedOperationException("TODO");
    }

    public GuardStats stats() {
        throw new UnsupportedOperationException("TODO");
    }

    public BackendHealth health() {
        throw new UnsupportedOperationException("TODO");
    }

    public void close() {
    }
}
