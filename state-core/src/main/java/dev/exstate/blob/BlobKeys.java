package dev.exstate.blob;

import dev.exstate.internal.Unicode;

/**
 * The rules every {@link BlobStore} applies to keys and listing tokens, in one place.
 *
 * <p>A key is 1 to 1024 UTF-8 bytes, with no control character, no unpaired surrogate (it has no
 * UTF-8 form), no Unicode non-character such as {@code U+FFFE} or {@code U+FFFF} (S3 listings are
 * XML 1.0, which cannot carry them), no leading {@code /}, no empty, {@code .} or {@code ..} path
 * segment, and no backslash.
 *
 * <p>A continuation token is opaque: pass back exactly what {@link BlobPage#continuationToken()}
 * gave. Every store rejects, before any request, a token longer than
 * {@value #MAX_CONTINUATION_TOKEN_CHARS} characters or with characters outside printable ASCII
 * ({@code !} to {@code ~}); a store may reject other tokens it could not have issued.
 */
public final class BlobKeys {
    public static final int MAX_KEY_BYTES = 1024;
    /** Longest continuation token any store accepts. */
    public static final int MAX_CONTINUATION_TOKEN_CHARS = 4096;

    private BlobKeys() {
    }

    /** Returns {@code key} if valid; otherwise throws {@link InvalidBlobKeyException} saying why. */
    public static String validate(String key) {
        if (key == null || key.isEmpty()) {
            throw new InvalidBlobKeyException("blob key must not be empty");
        }
        int bytes = key.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes > MAX_KEY_BYTES) {
            throw new InvalidBlobKeyException("blob key is " + bytes + " bytes, more than " + MAX_KEY_BYTES);
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (Character.isISOControl(c)) {
                throw new InvalidBlobKeyException("blob key contains a control character at index " + i);
            }
            if (c == '\\') {
                throw new InvalidBlobKeyException("blob key contains a backslash at index " + i);
            }
        }
        int surrogate = Unicode.unpairedSurrogate(key);
        if (surrogate >= 0) {
            throw new InvalidBlobKeyException("blob key contains an unpaired surrogate (U+"
                    + String.format("%04X", (int) key.charAt(surrogate)) + ") at index " + surrogate + "; it has no UTF-8 form");
        }
        int nonCharacter = Unicode.nonCharacter(key);
        if (nonCharacter >= 0) {
            throw new InvalidBlobKeyException("blob key contains the Unicode non-character U+"
                    + String.format("%04X", key.codePointAt(nonCharacter)) + " at index " + nonCharacter
                    + "; S3 listings (XML 1.0) cannot carry it");
        }
        if (key.startsWith("/")) {
            throw new InvalidBlobKeyException("blob key must not start with '/'");
        }
        for (String segment : key.split("/", -1)) {
            if (segment.equals("..") || segment.equals(".")) {
                throw new InvalidBlobKeyException("blob key must not contain '" + segment + "' path segments");
            }
        }
        if (key.contains("//")) {
            throw new InvalidBlobKeyException("blob key must not contain empty path segments ('//')");
        }
        return key;
    }

    /** Validates a listing prefix: like a key, but may be empty and may end with '/'. */
    public static String validatePrefix(String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            return "";
        }
        validate(prefix.endsWith("/") ? prefix + "x" : prefix);
        return prefix;
    }

    /**
     * Returns {@code token} ({@code null}: the first page) if any store could have issued it;
     * otherwise throws {@link IllegalArgumentException} saying why, without echoing the token.
     */
    public static String validateContinuationToken(String token) {
        if (token == null) {
            return null;
        }
        if (token.isEmpty()) {
            throw new IllegalArgumentException("continuation token must not be empty; pass null for the first page");
        }
        if (token.length() > MAX_CONTINUATION_TOKEN_CHARS) {
            throw new IllegalArgumentException("continuation token is " + token.length() + " characters long, more than "
                    + MAX_CONTINUATION_TOKEN_CHARS + "; pass back the token a page returned, unchanged");
        }
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c < '!' || c > '~') {
                throw new IllegalArgumentException("continuation token has character U+" + String.format("%04X", (int) c)
                        + " at index " + i + ", outside printable ASCII; pass back the token a page returned, unchanged");
            }
        }
        return token;
    }
}
