package dev.exstate.internal;

import java.util.List;
import java.util.Locale;

/**
 * The one place that decides what of a URL or a config value may appear in a message, a log line
 * or a {@code toString}. Not API, may change without notice.
 *
 * <p>Both rules err on the side of masking: a message that hides too much is an inconvenience,
 * one that shows a password is an incident.
 */
public final class Redaction {
    /** What stands in for a hidden part. */
    public static final String MASK = "****";

    /**
     * Parts of a name that mark it as holding a secret, matched case-insensitively anywhere in the
     * name: {@code db.pwd}, {@code apiKey}, {@code X-Amz-Signature}, {@code client_credentials}.
     * Over-matching ({@code monkey}, {@code author}) is accepted.
     */
    private static final List<String> SECRET_PARTS = List.of(
            "pass", "pwd", "secret", "token", "key", "cred", "auth", "sig", "private", "salt", "cookie",
            "session", "bearer", "jwt", "otp", "cert");

    private Redaction() {
    }

    /**
     * Whether a name (a config key, a query parameter, a header) may hold a secret: it contains,
     * ignoring case, one of {@code pass, pwd, secret, token, key, cred, auth, sig, private, salt,
     * cookie, session, bearer, jwt, otp, cert}. A {@code null} or blank name counts as secret.
     */
    public static boolean isSecretName(String name) {
        if (name == null || name.isBlank()) {
            return true;
        }
        String n = name.toLowerCase(Locale.ROOT);
        for (String part : SECRET_PARTS) {
            if (n.contains(part)) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code url} as it may be shown: the user info (everything between {@code ://} and the
     * <em>last</em> {@code @}, so a password that itself contains {@code @}, {@code /} or {@code :}
     * is hidden whole) becomes {@value #MASK}, and the values of query and fragment parameters whose
     * names {@linkplain #isSecretName look secret} become {@value #MASK}. When the last {@code @}
     * comes after a {@code ?} or {@code #}, where the secret ends cannot be told, and everything
     * after {@code ://} is masked. A string without {@code ://} is treated as starting with the
     * authority ({@code user:pw@host}). Control characters are shown as {@code \}{@code uXXXX}.
     * Never throws; {@code null} gives {@code "null"}.
     */
    public static String url(String url) {
        if (url == null) {
            return "null";
        }
        int scheme = url.indexOf("://");
        int start = scheme < 0 ? 0 : scheme + 3;
        String head = url.substring(0, start);
        String rest = url.substring(start);
        int at = rest.lastIndexOf('@');
        String shown;
        if (at >= 0) {
            String userInfo = rest.substring(0, at);
            if (userInfo.indexOf('?') >= 0 || userInfo.indexOf('#') >= 0) {
                return printable(head) + MASK;
            }
            shown = head + MASK + "@" + maskParameters(rest.substring(at + 1));
        } else {
            shown = head + maskParameters(rest);
        }
        return printable(shown);
    }

    /** Masks secret-looking parameters of the query and of the fragment of {@code s} (host, path, query, fragment). */
    private static String maskParameters(String s) {
        int q = s.indexOf('?');
        int f = s.indexOf('#');
        if (q < 0 && f < 0) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        int firstMark = q < 0 ? f : f < 0 ? q : Math.min(q, f);
        out.append(s, 0, firstMark);
        int i = firstMark;
        while (i < s.length()) {
            char mark = s.charAt(i); // '?', '#', '&' or ';' opens a parameter
            out.append(mark);
            int end = i + 1;
            while (end < s.length() && "&;#".indexOf(s.charAt(end)) < 0) {
                end++;
            }
            out.append(maskParameter(s.substring(i + 1, end)));
            i = end;
        }
        return out.toString();
    }

    private static String maskParameter(String parameter) {
        int eq = parameter.indexOf('=');
        if (eq < 0) {
            // a bare value (e.g. a fragment that is a token) cannot be judged by a name
            return parameter.isEmpty() || isSecretName(parameter) || parameter.length() > 16 ? maskIfNotEmpty(parameter) : parameter;
        }
        String name = parameter.substring(0, eq);
        return isSecretName(name) ? name + "=" + MASK : parameter;
    }

    private static String maskIfNotEmpty(String s) {
        return s.isEmpty() ? s : MASK;
    }

    /**
     * {@code s} with control characters, unpaired surrogates and non-characters shown as
     * {@code \}{@code uXXXX}, and cut to {@code max} characters (with {@code ...}), for messages.
     */
    public static String printable(String s, int max) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), max) + 8);
        int i = 0;
        for (int shown = 0; i < s.length() && shown < max; i++, shown++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                b.append(c).append(s.charAt(++i));
            } else if (Character.isISOControl(c) || Character.isSurrogate(c) || c == '\uFFFE' || c == '\uFFFF') {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return i < s.length() ? b + "..." : b.toString();
    }

    private static String printable(String s) {
        return printable(s, 500);
    }
}
