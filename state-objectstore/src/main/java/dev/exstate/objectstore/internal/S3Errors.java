package dev.exstate.objectstore.internal;

import dev.exstate.blob.BlobPreconditionFailedException;
import dev.exstate.internal.TlsFiles;
import dev.exstate.objectstore.BlobAccessDeniedException;
import dev.exstate.objectstore.BlobIntegrityException;
import dev.exstate.objectstore.BucketNotFoundException;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.ServerException;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Turns what the MinIO client throws into what a caller of the store can act on. Not API.
 *
 * <p>Two families: the caller's or the configuration's problem (precondition failed, access
 * denied, missing bucket, bad request, checksum mismatch) becomes an {@link IllegalStateException}
 * or {@link IllegalArgumentException} subtype, which the guard passes through without retrying or
 * counting it against the breaker; the service's or the network's problem (5xx, throttling,
 * connection errors, unparsable responses) stays an {@link IOException} or becomes an
 * {@link S3ServiceException}, which the guard retries (idempotent operations) and reports as
 * {@link dev.exstate.guard.StateUnavailableException}. Messages name the operation, bucket and
 * key, never credentials or request headers.
 */
public final class S3Errors {
    private static final Set<String> ACCESS_DENIED = Set.of("AccessDenied", "SignatureDoesNotMatch", "InvalidAccessKeyId",
            "AllAccessDisabled", "ExpiredToken", "InvalidToken", "InvalidSecurity", "AccountProblem", "RequestTimeTooSkewed");
    private static final Set<String> INTEGRITY = Set.of("BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch",
            "XAmzContentChecksumMismatch");
    /** Codes that mean "try again": the service is busy or timed out waiting for us. */
    private static final Set<String> TRANSIENT = Set.of("SlowDown", "ServiceUnavailable", "InternalError",
            "RequestTimeout", "OperationAborted", "Throttling", "ThrottlingException", "RequestLimitExceeded");

    private S3Errors() {
    }

    /** The cause under CompletionException / ExecutionException wrappers. */
    public static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    /** The S3 error code ({@code NoSuchKey}, ...) of {@code t}, or null if it is not an S3 error response. */
    public static String code(Throwable t) {
        return unwrap(t) instanceof ErrorResponseException e && e.errorResponse() != null ? e.errorResponse().code() : null;
    }

    /** The HTTP status of an S3 error response, or -1. */
    public static int status(Throwable t) {
        return unwrap(t) instanceof ErrorResponseException e && e.response() != null ? e.response().code() : -1;
    }

    /** A missing key (404 NoSuchKey); a missing bucket is not "not found", it is a configuration error. */
    public static boolean isNoSuchKey(Throwable t) {
        String code = code(t);
        return "NoSuchKey".equals(code) || (code == null && status(t) == 404);
    }

    public static boolean isPreconditionFailed(Throwable t) {
        return "PreconditionFailed".equals(code(t)) || status(t) == 412;
    }

    public static boolean is(Throwable t, String code) {
        return code.equals(code(t));
    }

    /**
     * The exception to throw for {@code t}, raised during {@code operation} on {@code key}
     * ({@code null} for bucket-level operations).
     */
    public static RuntimeException translate(Throwable t, String operation, String bucket, String key) {
        Throwable c = unwrap(t);
        String what = operation + (key == null ? "" : " of '" + key + "'") + " in bucket '" + bucket + "'";
        if (c instanceof ErrorResponseException e) {
            String code = e.errorResponse() == null ? null : e.errorResponse().code();
            int status = e.response() == null ? -1 : e.response().code();
            String detail = status + " " + code + (e.errorResponse() != null && e.errorResponse().message() != null
                    ? " (" + oneLine(e.errorResponse().message()) + ")" : "");
            if (code != null && TRANSIENT.contains(code) || status >= 500 || status == 429 || status == 408) {
                return new S3ServiceException("S3 " + what + " failed: " + detail);
            }
            if ("NoSuchBucket".equals(code)) {
                return new BucketNotFoundException("S3 " + what + ": the bucket does not exist; create it or enable autoCreateBucket");
            }
            if ("PreconditionFailed".equals(code) || status == 412) {
                return new BlobPreconditionFailedException("S3 " + what + ": the condition did not hold (" + detail + "); nothing was written");
            }
            if ("ConditionalRequestConflict".equals(code)) {
                return new BlobPreconditionFailedException("S3 " + what + ": a concurrent conditional write to the same key won (" + detail + ")");
            }
            if (code != null && ACCESS_DENIED.contains(code) || status == 403) {
                return new BlobAccessDeniedException("s3", operation, "S3 " + what + " was refused: " + detail
                        + "; check the access key, secret key, region, clock and bucket policy");
            }
            if (code != null && INTEGRITY.contains(code)) {
                return new BlobIntegrityException("S3 " + what + ": the server's checksum of the content differs from the one sent ("
                        + detail + "); nothing was written");
            }
            return new IllegalArgumentException("S3 " + what + " was rejected: " + detail);
        }
        if (c instanceof ServerException e) {
            return new S3ServiceException("S3 " + what + " failed: HTTP " + e.statusCode() + " without an S3 error body");
        }
        if (c instanceof RuntimeException r && !(c.getClass().getName().startsWith("io.minio"))) {
            return r;
        }
        String tls = TlsFiles.describeHandshakeFailure(c);
        if (tls != null && c instanceof IOException io) {
            // still a backend failure (a certificate may be mid-rotation), but one that says what to check
            return new S3ServiceException("S3 " + what + " failed in the TLS handshake: " + tls, io);
        }
        if (c instanceof IOException io) {
            return new S3ServiceException("S3 " + what + " failed: " + c.getClass().getName()
                    + (io.getMessage() == null ? "" : ": " + oneLine(io.getMessage())), io);
        }
        if (c instanceof Error err) {
            throw err;
        }
        // InvalidResponseException, XmlParserException, InsufficientDataException, ...: the reply was not S3's
        return new S3ServiceException("S3 " + what + " failed: unexpected response (" + c.getClass().getSimpleName()
                + "); is the endpoint an S3 service, and is no proxy in between answering instead?");
    }

    private static String oneLine(String s) {
        String one = s.replaceAll("[\\r\\n\\t]+", " ").strip();
        return one.length() > 200 ? one.substring(0, 200) + "..." : one;
    }
}
