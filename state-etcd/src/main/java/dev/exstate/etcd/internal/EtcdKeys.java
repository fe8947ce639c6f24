package dev.exstate.etcd.internal;

import dev.exstate.internal.Unicode;
import dev.exstate.lease.InvalidLeaseNameException;
import io.etcd.jetcd.ByteSequence;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The one place where etcd key names are made: {@code <keyPrefix><app>/config/<key>},
 * {@code <keyPrefix><app>/lease/<name>} and, for the last claimed tick of a scheduled job,
 * {@code <keyPrefix><app>/lease-tick/<name>}, whose value is the tick as 16 zero-padded decimal
 * digits ({@link #tickValue}) so that etcd's byte-wise value comparison orders ticks. Not API.
 *
 * <p>Text goes both ways unchanged or not at all: a name with an unpaired surrogate (which UTF-8
 * cannot encode; the JDK would write {@code ?}, so two names would become one) is refused with
 * {@link IllegalArgumentException}, and bytes read from etcd that are not valid UTF-8 (written by
 * another client) are reported by {@link #text} as absent instead of being patched with
 * {@code U+FFFD}, which would make two different keys one.
 */
public final class EtcdKeys {
    /** Longest config key accepted, in characters; etcd itself allows far more, but such keys are mistakes. */
    public static final int MAX_CONFIG_KEY_LENGTH = 512;

    private final String configPrefix;
    private final String leasePrefix;
    private final String leaseTickPrefix;
    private final ByteSequence configPrefixBytes;

    public EtcdKeys(String keyPrefix, String app) {
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        Objects.requireNonNull(app, "app");
        String base = keyPrefix + app + "/";
        this.configPrefix = base + "config/";
        this.leasePrefix = base + "lease/";
        this.leaseTickPrefix = base + "lease-tick/";
        this.configPrefixBytes = bytes(configPrefix);
    }

    /** e.g. {@code /exstate/shop/config/}. */
    public String configPrefix() {
        return configPrefix;
    }

    public ByteSequence configPrefixBytes() {
        return configPrefixBytes;
    }

    /** e.g. {@code /exstate/shop/lease/}. */
    public String leasePrefix() {
        return leasePrefix;
    }

    /** The etcd key of config key {@code key}; throws {@link IllegalArgumentException} for a bad key. */
    public ByteSequence configKey(String key) {
        return bytes(configPrefix + checkConfigKey(key));
    }

    /**
     * The config key name of a full etcd key under the config prefix, or null if the rest of the
     * key is not valid UTF-8.
     */
    public String configKeyName(ByteSequence etcdKey) {
        byte[] full = etcdKey.getBytes();
        byte[] prefix = configPrefixBytes.getBytes();
        if (full.length < prefix.length || !java.util.Arrays.equals(full, 0, prefix.length, prefix, 0, prefix.length)) {
            throw new IllegalStateException("etcd key '" + describe(etcdKey) + "' is not under the config prefix " + configPrefix);
        }
        return text(java.util.Arrays.copyOfRange(full, prefix.length, full.length));
    }

    /**
     * A config key name as it may appear in a message: the text if it is valid UTF-8, else its
     * valid parts with each other byte as {@code \xNN} (so two different keys never look alike).
     */
    public String configKeyDescription(ByteSequence etcdKey) {
        byte[] full = etcdKey.getBytes();
        int skip = Math.min(full.length, configPrefixBytes.size());
        return describe(java.util.Arrays.copyOfRange(full, skip, full.length));
    }

    /** The etcd key of lease {@code name} (already checked by the lease manager). */
    public ByteSequence leaseKey(String name) {
        int surrogate = Unicode.unpairedSurrogate(name);
        if (surrogate >= 0) {
            throw new InvalidLeaseNameException("lease name contains an unpaired surrogate at index " + surrogate
                    + "; it has no UTF-8 form, so etcd cannot store it unchanged");
        }
        return bytes(leasePrefix + name);
    }

    /** The etcd key holding the last claimed tick of lease {@code name}. */
    public ByteSequence leaseTickKey(String name) {
        return bytes(leaseTickPrefix + name);
    }

    /**
     * {@code tick} (0 .. 2<sup>53</sup> - 1, at most 16 digits) as 16 zero-padded decimal digits:
     * fixed width, so byte order is numeric order.
     */
    public static ByteSequence tickValue(long tick) {
        if (tick < 0 || tick > 9_999_999_999_999_999L) {
            throw new IllegalArgumentException("tick must be between 0 and 16 decimal digits, was " + tick);
        }
        return bytes(String.format(java.util.Locale.ROOT, "%016d", tick));
    }

    /** Returns {@code key} if it can be a config key, or throws {@link IllegalArgumentException} naming the problem. */
    public static String checkConfigKey(String key) {
        if (key == null || key.isBlank()) {
            throw new IllegalArgumentException("config key must not be blank");
        }
        if (key.length() > MAX_CONFIG_KEY_LENGTH) {
            throw new IllegalArgumentException("config key is " + key.length() + " characters long; the limit is "
                    + MAX_CONFIG_KEY_LENGTH);
        }
        for (int i = 0; i < key.length(); i++) {
            if (Character.isISOControl(key.charAt(i))) {
                throw new IllegalArgumentException("config key contains a control character at index " + i);
            }
        }
        int surrogate = Unicode.unpairedSurrogate(key);
        if (surrogate >= 0) {
            throw new IllegalArgumentException("config key contains an unpaired surrogate at index " + surrogate
                    + "; it has no UTF-8 form, so etcd cannot store it unchanged");
        }
        return key;
    }

    /** Returns {@code value} if it can be stored unchanged, or throws {@link IllegalArgumentException} naming the key. */
    public static String checkConfigValue(String key, String value) {
        Objects.requireNonNull(value, () -> "value of " + key);
        int surrogate = Unicode.unpairedSurrogate(value);
        if (surrogate >= 0) {
            throw new IllegalArgumentException("value of config key '" + key + "' contains an unpaired surrogate at index "
                    + surrogate + "; it has no UTF-8 form, so etcd cannot store it unchanged");
        }
        return value;
    }

    public static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    /** The text of {@code b}, or null if it is not valid UTF-8. */
    public static String text(ByteSequence b) {
        return text(b.getBytes());
    }

    private static String text(byte[] b) {
        try {
            // a fresh decoder reports malformed input instead of replacing it with U+FFFD
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static String describe(ByteSequence b) {
        return describe(b.getBytes());
    }

    /** Valid UTF-8 runs as text, every other byte as {@code \xNN}; backslashes doubled so the form is unambiguous. */
    static String describe(byte[] b) {
        StringBuilder out = new StringBuilder(b.length + 8);
        int i = 0;
        while (i < b.length) {
            int n = validSequenceLength(b, i);
            if (n > 0) {
                String chunk = new String(b, i, n, StandardCharsets.UTF_8);
                out.append(chunk.replace("\\", "\\\\"));
                i += n;
            } else {
                out.append(String.format("\\x%02X", b[i] & 0xFF));
                i++;
            }
        }
        return out.toString();
    }

    /** Length of the well-formed UTF-8 sequence at {@code i}, or 0. */
    private static int validSequenceLength(byte[] b, int i) {
        int first = b[i] & 0xFF;
        int n = first < 0x80 ? 1 : first >= 0xC2 && first <= 0xDF ? 2 : first >= 0xE0 && first <= 0xEF ? 3
                : first >= 0xF0 && first <= 0xF4 ? 4 : 0;
        if (n == 0 || i + n > b.length) {
            return 0;
        }
        return text(java.util.Arrays.copyOfRange(b, i, i + n)) == null ? 0 : n;
    }

    @Override
    public String toString() {
        return "EtcdKeys[" + configPrefix + ", " + leasePrefix + "]";
    }
}
