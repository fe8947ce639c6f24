package dev.exstate.etcd.internal;

import dev.exstate.etcd.EtcdOptions;
import dev.exstate.guard.StateAccessDeniedException;
import dev.exstate.internal.TlsFiles;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;

/**
 * etcd answers that mean "your request can never succeed" rather than "etcd is unwell", turned
 * into exceptions the {@link dev.exstate.guard.Guard} treats as the caller's error: not retried,
 * not counted against the breaker. Not API.
 *
 * <p>Two come from sizes: etcd refuses a request over its {@code --max-request-bytes} (1.5 MiB by
 * default) with {@code "etcdserver: request is too large"}, or, further over, with gRPC's
 * {@code RESOURCE_EXHAUSTED "received message larger than max"}; and this client refuses a reply
 * over {@link dev.exstate.etcd.EtcdOptions#maxInboundMessageSize()} with
 * {@code RESOURCE_EXHAUSTED "... exceeds maximum size ..."}. A transaction over etcd's
 * {@code --max-txn-ops} is refused with {@code "too many operations in txn request"}.
 *
 * <p>A third is authorization: {@code PERMISSION_DENIED} means the user's role does not cover the
 * key, which no retry changes. A failed TLS handshake stays a backend failure (the server may be
 * mid-rotation), but its message is replaced by one that says what to check.
 */
public final class EtcdErrors {
    /** etcd's default {@code --max-request-bytes}, for messages. */
    public static final int DEFAULT_MAX_REQUEST_BYTES = 1536 * 1024;

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

    /** Whether etcd refused a request as too large. */
    public static boolean isRequestTooLarge(Throwable t) {
        String m = message(t);
        return m.contains("request is too large")
                || (resourceExhausted(t) && m.contains("received message larger than max"));
    }

    /** Whether this client refused a reply over its inbound message limit. */
    public static boolean isResponseTooLarge(Throwable t) {
        return resourceExhausted(t) && message(t).contains("exceeds maximum size");
    }

    /**
     * {@code request}, with a refusal for size replaced by an {@link IllegalArgumentException}
     * ({@code requestBytes}: about how large the request was; {@code what}: the operation and key)
     * or, for a reply too large, an {@link IllegalStateException} naming {@code maxInbound}; a
     * refusal for permission by an {@link IllegalStateException} saying which grants a replica
     * needs; a failed TLS handshake by an {@link UncheckedIOException} saying what to check.
     */
    public static <T> CompletableFuture<T> sizeErrorsAreCallerErrors(Supplier<CompletableFuture<T>> request, String what,
                                                                     long requestBytes, int maxInbound) {
        CompletableFuture<T> f;
        try {
            f = request.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(translate(e, what, requestBytes, maxInbound));
        }
        return f.handle((v, e) -> e == null ? CompletableFuture.completedFuture(v)
                        : CompletableFuture.<T>failedFuture(translate(e, what, requestBytes, maxInbound)))
                .thenCompose(x -> x);
    }

    private static Throwable translate(Throwable e, String what, long requestBytes, int maxInbound) {
        Throwable c = unwrap(e);
        if (isRequestTooLarge(c)) {
            return new IllegalArgumentException("etcd refused " + what + ": the request is about " + requestBytes
                    + " bytes, more than etcd accepts (its --max-request-bytes, " + DEFAULT_MAX_REQUEST_BYTES
                    + " bytes by default; etcd said: " + detail(c) + "); store smaller values", c);
        }
        if (message(c).contains("too many operations in txn request")) {
            return new IllegalArgumentException("etcd refused " + what + ": more operations in one transaction than etcd"
                    + " allows (its --max-txn-ops, 128 by default); write fewer keys at once", c);
        }
        if (isPermissionDenied(c)) {
            return new IllegalStateException("etcd refused " + what + ": permission denied. The user's role must cover"
                    + " the key: a replica needs read on <keyPrefix><app>/config/ and readwrite on <keyPrefix><app>/lease/ and <keyPrefix><app>/lease-tick/,"
                    + " whoever writes config readwrite on <keyPrefix><app>/config/ (see 'Permissions a replica needs'"
                    + " in the state-etcd README)", c);
        }
        String tls = TlsFiles.describeHandshakeFailure(c);
        if (tls != null) {
            return new UncheckedIOException("TLS handshake with etcd failed during " + what + ": " + tls, sslCause(c));
        }
        if (isResponseTooLarge(c)) {
            return new IllegalStateException("etcd's answer to " + what + " is larger than EtcdOptions.maxInboundMessageSize ("
                    + maxInbound + " bytes; " + detail(c) + "); raise maxInboundMessageSize or store less under the prefix", c);
        }
        return e;
    }

    /** Whether etcd refused a request because the user's roles do not allow it. */
    public static boolean isPermissionDenied(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof EtcdException e && e.getErrorCode() == ErrorCode.PERMISSION_DENIED) {
                return true;
            }
        }
        return message(t).contains("permission_denied");
    }

    private static SSLException sslCause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof SSLException s) {
                return s;
            }
        }
        throw new IllegalStateException("no SSLException in the chain", t);
    }

    /** The innermost message, one line, bounded: it names the sizes ("received message larger than max (N vs. M)"). */
    private static String detail(Throwable t) {
        String m = null;
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c.getMessage() != null) {
                m = c.getMessage();
            }
        }
        if (m == null) {
            return t.getClass().getSimpleName();
        }
        m = m.replaceAll("[\\r\\n\\t]+", " ").strip();
        return m.length() > 200 ? m.substring(0, 200) + "..." : m;
    }

    private static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    private static boolean resourceExhausted(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof EtcdException e && e.getErrorCode() == ErrorCode.RESOURCE_EXHAUSTED) {
                return true;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return message(t).contains("resource_exhausted");
    }

    private static String message(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (Throwable c = t; c != null && b.length() < 2000; c = c.getCause()) {
            if (c.getMessage() != null) {
                b.append(c.getMessage().toLowerCase(Locale.ROOT)).append(' ');
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return b.toString();
    }
}
