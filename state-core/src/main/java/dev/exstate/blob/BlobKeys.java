package dev.exstate.blob;

/**
 * The rules every {@link BlobStore} applies to keys, in one place: 1 to 1024 UTF-8 bytes, no
 * control characters, no leading {@code /}, no empty, {@code .} or {@code ..} path segment, no
 * backslash.
 */
public final class BlobKeys {
    public static final int MAX_KEY_BYTES = 1024;

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
}
