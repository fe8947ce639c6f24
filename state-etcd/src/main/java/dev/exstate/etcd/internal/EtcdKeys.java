package dev.exstate.etcd.internal;

import io.etcd.jetcd.ByteSequence;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The one place where etcd key names are made: {@code <keyPrefix><app>/config/<key>},
 * {@code <keyPrefix><app>/lease/<name>} and, for the last claimed tick of a scheduled job,
 * {@code <keyPrefix><app>/lease-tick/<name>}, whose value is the tick as 16 zero-padded decimal
 * digits ({@link #tickValue}) so that etcd's byte-wise value comparison orders ticks. Not API.
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

    /** The config key name of a full etcd key under the config prefix. */
    public String configKeyName(ByteSequence etcdKey) {
        String full = string(etcdKey);
        if (!full.startsWith(configPrefix)) {
            throw new IllegalStateException("etcd key '" + full + "' is not under the config prefix " + configPrefix);
        }
        return full.substring(configPrefix.length());
    }

    /** The etcd key of lease {@code name} (already checked by the lease manager). */
    public ByteSequence leaseKey(String name) {
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
        return key;
    }

    public static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    public static String string(ByteSequence b) {
        return b.toString(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "EtcdKeys[" + configPrefix + ", " + leasePrefix + "]";
    }
}
