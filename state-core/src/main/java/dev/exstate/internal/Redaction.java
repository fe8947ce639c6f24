package dev.exstate.internal;

/**
 * Hides credentials before text reaches a message, a log line or {@code toString()}. Not API,
 * may change without notice.
 */
public final class Redaction {
    private static final String MASK = "****";

    private Redaction() {
    }

    /**
     * {@code url} with its user info (user name, password) replaced by {@code ****}: everything
     * between the scheme (if any) and the LAST {@code '@'}, because a password may itself hold
     * unencoded {@code '@'}, {@code ':'} or {@code '/'}. Masks more than needed rather than less
     * (an {@code '@'} in a path or fragment masks what precedes it), so the result is safe for
     * lists of hosts ({@code redis-sentinel://:pw@h1,h2#m}) and strings without a scheme.
     * {@code null} stays {@code null}.
     */
    public static String url(String url) {
        if (url == null) {
            return null;
        }
        int at = url.lastIndexOf('@');
        if (at < 0) {
            return url;
        }
        int sep = url.indexOf("://");
        int start = sep > 0 && sep < at && isScheme(url, sep) ? sep + 3 : 0;
        return url.substring(0, start) + MASK + url.substring(at);
    }

    private static boolean isScheme(String s, int end) {
        if (!Character.isLetter(s.charAt(0))) {
            return false;
        }
        for (int i = 1; i < end; i++) {
            char c = s.charAt(i);
            if (!(c < 128 && (Character.isLetterOrDigit(c) || c == '+' || c == '-' || c == '.'))) {
                return false;
            }
        }
        return true;
    }
}
