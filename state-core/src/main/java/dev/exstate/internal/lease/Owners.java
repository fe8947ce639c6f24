package dev.exstate.internal.lease;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Random owner ids, one per acquisition, so a stale holder can never touch a newer holder's lease. Not API. */
final class Owners {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Owners() {
    }

    /** 128 random bits as 32 lowercase hex characters. */
    static String next() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
