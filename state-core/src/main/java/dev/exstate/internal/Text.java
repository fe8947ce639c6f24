package dev.exstate.internal;

/** Checks on names that end up in a backend's keys. Not API, may change without notice. */
public final class Text {
    private Text() {
    }

    /**
     * Index of the first unpaired UTF-16 surrogate in {@code s}, or -1 if there is none. Such a
     * string has no UTF-8 form: encoders replace the surrogate with {@code '?'}, so
     * {@code "x\uD800"} and {@code "x?"} would name the same key in Redis or etcd.
     */
    public static int unpairedSurrogate(String s) {
        return Unicode.unpairedSurrogate(s);
    }

    /** At most {@code max} characters of {@code s}, never cutting a surrogate pair in two. */
    public static String prefix(String s, int max) {
        if (s.length() <= max) {
            return s;
        }
        int end = Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max;
        return s.substring(0, end);
    }
}
