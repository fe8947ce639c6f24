package dev.exstate.etcd.internal;

import dev.exstate.etcd.EtcdOptions;
import dev.exstate.guard.StateAccessDeniedException;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * Recognises etcd refusing this client's credentials or permissions, which no retry can fix:
 * a wrong user or password, credentials sent to an etcd without authentication, none sent to one
 * that requires them, or a user without rights on the prefix. They become
 * {@link StateAccessDeniedException}, which the guard passes through without retrying or counting
 * it against the breaker. An expired auth token is not among them: jetcd renews it. Not API.
 */
public final class EtcdErrors {

    private EtcdErrors() {
    }

    /**
     * The refusal in {@code error} as a {@link StateAccessDeniedException} naming the operation,
     * the keys and what to check, or {@code null} if {@code error} is something else.
     */
    public static StateAccessDeniedException accessDenied(Throwable error, String operation, String keys, EtcdOptions options) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String advice = advice(t, keys, options);
            if (advice != null) {
                return new StateAccessDeniedException("etcd", operation, "etcd " + operation + " of " + keys + " refused by "
                        + options.endpoints() + " (" + t.getMessage() + "): " + advice, t);
            }
        }
        return null;
    }

    /** {@code stage}, with a refusal of credentials or permissions turned into {@link StateAccessDeniedException}. */
    public static <T> CompletableFuture<T> translated(CompletionStage<T> stage, String operation, String keys, EtcdOptions options) {
        return stage.toCompletableFuture().handle((value, error) -> {
            if (error == null) {
                return CompletableFuture.completedFuture(value);
            }
            StateAccessDeniedException denied = accessDenied(error, operation, keys, options);
            return CompletableFuture.<T>failedFuture(denied != null ? denied : unwrap(error));
        }).thenCompose(f -> f);
    }

    private static String advice(Throwable t, String keys, EtcdOptions options) {
        String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
        String user = options.user() == null ? "" : " '" + options.user() + "'";
        if (message.contains("invalid user id or password") || message.contains("authentication failed")) {
            return "check the user and password in EtcdOptions.credentials";
        }
        if (message.contains("authentication is not enabled")) {
            return "credentials were given but this etcd has authentication off; remove them from EtcdOptions, "
                    + "or enable authentication in etcd";
        }
        if (message.contains("user name is empty")) {
            return "etcd requires authentication; set EtcdOptions.credentials";
        }
        // gRPC's status code leads the message: "PERMISSION_DENIED: etcdserver: permission denied"
        if (message.contains("permission denied") || message.startsWith("permission_denied")) {
            return "the user" + user + " has no permission on " + keys + "; grant its role readwrite on that prefix";
        }
        return null;
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
