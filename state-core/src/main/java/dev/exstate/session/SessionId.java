package dev.exstate.session;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A session identifier: 256 bits from {@link SecureRandom}, encoded as 43 URL-safe base64
 * characters without padding, safe in cookies and URLs.
 *
 * <p>A session id is a bearer credential, so {@link #toString()} shows only a short prefix;
 * use {@link #value()} where the full id is needed (the cookie).
 */
public final class SessionId {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Pattern FORMAT = Pattern.compile("[A-Za-z0-9_-]{43}");
    /** Number of random bytes in an id. */
    public static final int BYTES = 32;

    private final String value;

    private SessionId(String value) {
        this.value = value;
    }

    /** A new random id. */
    public static SessionId generate() {
        byte[] bytes = new byte[BYTES];
        RANDOM.nextBytes(bytes);
        return new SessionId(ENCODER.encodeToString(bytes));
    }

    /**
     * Parses an id received from a client.
     *
     * @throws InvalidSessionIdException if {@code value} is not 43 URL-safe base64 characters
     */
    public static SessionId of(String value) {
        return tryParse(value).orElseThrow(() -> new InvalidSessionIdException(
                "session id must be 43 URL-safe base64 characters" + (value == null ? " (was null)" : " (length " + value.length() + ")")));
    }

    /** Parses an id received from a client; empty if it is malformed (treat as "no session"). */
    public static Optional<SessionId> tryParse(String value) {
        if (value == null || !FORMAT.matcher(value).matches()) {
            return Optional.empty();
        }
        return Optional.of(new SessionId(value));
    }

    /** The full id, e.g. for a cookie. Treat as a secret. */
    public String value() {
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SessionId other && value.equals(other.value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    /** A short, non-secret form for logs: the first 6 characters. */
    @Override
    public String toString() {
        return "SessionId[" + value.substring(0, 6) + "…]";
    }
}
