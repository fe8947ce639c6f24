package dev.exstate.objectstore;

import dev.exstate.blob.Blob;
import dev.exstate.blob.BlobInfo;
import dev.exstate.blob.BlobKeys;
import dev.exstate.blob.BlobPage;
import dev.exstate.blob.BlobStore;
import dev.exstate.blob.InvalidBlobKeyException;
import dev.exstate.blob.PutOptions;
import dev.exstate.lease.LeasedJob;
import dev.exstate.time.StateClock;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

/**
 * Files with an expiry, for what a service would otherwise write to {@code /tmp}: an upload being
 * processed, an export waiting to be downloaded. Any replica can read a file by its key; expired
 * files read as absent and are deleted by {@link #cleanup()}, which one replica runs on a schedule
 * through the leased scheduler:
 *
 * <pre>{@code
 * TempFiles temp = new TempFiles(runtime.blobs());   // system clock; pass one to test expiry
 * runtime.scheduler().scheduleWithFixedDelay("tmp-cleanup", Duration.ofMinutes(5), temp.cleanupJob());
 * BlobInfo file = temp.put("report.csv", in, -1, Duration.ofHours(1));   // keep file.key()
 * }</pre>
 *
 * <p>A file's key is {@code tmp/<expiry, 13-digit epoch millis>/<random id>/<name>}: the expiry is
 * in the key (and in the {@value #EXPIRES_AT} metadata) so that a listing, which carries no
 * metadata, shows it, and so that keys list in expiry order and a cleanup reads only the expired
 * keys plus one. Works over any {@link BlobStore}. Thread-safe.
 *
 * <p><b>Keys may be handed to clients.</b> {@link #get}, {@link #stat} and {@link #delete} accept
 * only keys of the form {@link #put} issues ({@link #isIssuedKey}), whose random id is a version 4
 * UUID (122 bits from {@code SecureRandom}): any other key of the store, such as
 * {@code private/payroll.csv}, is refused with {@link InvalidBlobKeyException} before the store is
 * asked, and a client cannot reach another client's file without its key. A TTL is positive and
 * at most {@link #MAX_TTL}.
 */
public final class TempFiles {
    /** Where temporary files live in the store. */
    public static final String PREFIX = "tmp/";
    /** Metadata key holding the expiry (ISO-8601 instant). */
    public static final String EXPIRES_AT = "expires-at";
    /** Longest time to live of a temporary file. */
    public static final Duration MAX_TTL = Duration.ofDays(366);
    private static final int EXPIRY_DIGITS = 13;
    private static final int PAGE = 1000;
    private static final Pattern ISSUED = Pattern.compile(Pattern.quote(PREFIX)
            + "[0-9]{" + EXPIRY_DIGITS + "}/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/[^/].*", Pattern.DOTALL);

    private final BlobStore store;
    private final StateClock clock;

    public TempFiles(BlobStore store) {
        this(store, StateClock.system());
    }

    public TempFiles(BlobStore store, StateClock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * The key of a temporary file named {@code name} that expires at {@code expiresAt} (no random id
     * added: the caller makes it unique).
     */
    public static String key(String name, Instant expiresAt) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(expiresAt, "expiresAt");
        if (expiresAt.isBefore(Instant.EPOCH) || !expiresAt.isBefore(Instant.ofEpochMilli(10_000_000_000_000L))) {
            throw new IllegalArgumentException("expiry " + expiresAt + " is outside the years 1970 to 2286");
        }
        return BlobKeys.validate(PREFIX + String.format("%0" + EXPIRY_DIGITS + "d", expiresAt.toEpochMilli()) + "/" + name);
    }

    /** The expiry encoded in a temporary file's key, or empty if {@code key} is not one. */
    public static Optional<Instant> expiresAt(String key) {
        if (key == null || !key.startsWith(PREFIX) || key.length() < PREFIX.length() + EXPIRY_DIGITS + 2
                || key.charAt(PREFIX.length() + EXPIRY_DIGITS) != '/') {
            return Optional.empty();
        }
        long millis = 0;
        for (int i = PREFIX.length(); i < PREFIX.length() + EXPIRY_DIGITS; i++) {
            char c = key.charAt(i);
            if (c < '0' || c > '9') {
                return Optional.empty();
            }
            millis = millis * 10 + (c - '0');
        }
        return Optional.of(Instant.ofEpochMilli(millis));
    }

    /**
     * Stores a file that expires after {@code ttl}; its key ({@link BlobInfo#key()}) is unique and
     * is what any replica uses to read it.
     *
     * @param length content length, or -1 if unknown
     */
    public BlobInfo put(String name, InputStream content, long length, Duration ttl) {
        return put(name, content, length, ttl, PutOptions.defaults());
    }

    /** As {@link #put(String, InputStream, long, Duration)} with a content type and metadata (the condition is ignored). */
    public BlobInfo put(String name, InputStream content, long length, Duration ttl, PutOptions options) {
        Objects.requireNonNull(ttl, "ttl");
        Objects.requireNonNull(options, "options");
        // compared before adding: now + a huge ttl would overflow Instant
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0) {
            throw new IllegalArgumentException("ttl of a temporary file must be positive and at most " + MAX_TTL + ", was " + ttl);
        }
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("temporary file name must not be empty");
        }
        Instant expires = clock.now().plus(ttl);
        String key = key(UUID.randomUUID() + "/" + name, expires);
        Map<String, String> meta = new HashMap<>(options.metadata());
        meta.put(EXPIRES_AT, expires.toString());
        return store.put(key, content, length, PutOptions.defaults().withContentType(options.contentType()).withMetadata(meta));
    }

    public BlobInfo put(String name, byte[] content, Duration ttl) {
        return put(name, new ByteArrayInputStream(content), content.length, ttl);
    }

    /**
     * The file, or empty if it is missing or expired (even if not yet cleaned up). Close the blob.
     *
     * @throws InvalidBlobKeyException if {@code key} is not a key {@link #put} issues
     */
    public Optional<Blob> get(String key) {
        if (isExpired(requireIssued(key))) {
            return Optional.empty();
        }
        return store.get(key);
    }

    /**
     * The file's info, or empty if it is missing or expired.
     *
     * @throws InvalidBlobKeyException if {@code key} is not a key {@link #put} issues
     */
    public Optional<BlobInfo> stat(String key) {
        if (isExpired(requireIssued(key))) {
            return Optional.empty();
        }
        return store.stat(key);
    }

    /**
     * Deletes the file now; idempotent.
     *
     * @throws InvalidBlobKeyException if {@code key} is not a key {@link #put} issues
     */
    public void delete(String key) {
        store.delete(requireIssued(key));
    }

    /**
     * Whether {@code key} has the form {@link #put} gives its files:
     * {@code tmp/<13 digits>/<lower-case version 4 UUID>/<name>}, and is a valid blob key.
     */
    public static boolean isIssuedKey(String key) {
        if (key == null || !ISSUED.matcher(key).matches()) {
            return false;
        }
        try {
            BlobKeys.validate(key);
            return true;
        } catch (InvalidBlobKeyException e) {
            return false;
        }
    }

    private static String requireIssued(String key) {
        if (!isIssuedKey(key)) {
            // the key is not echoed: it comes from a client and may be anything
            throw new InvalidBlobKeyException("not a temporary file key: TempFiles only serves keys its put() issued"
                    + " (tmp/<expiry>/<random id>/<name>)");
        }
        return key;
    }

    /** Whether {@code key} is a temporary file's key whose expiry has passed. */
    public boolean isExpired(String key) {
        return expiresAt(key).map(e -> !e.isAfter(clock.now())).orElse(false);
    }

    /**
     * Deletes every expired temporary file. Safe to run on several replicas at once (delete is
     * idempotent), but meant for one: schedule {@link #cleanupJob()}.
     *
     * @return the number of files deleted
     */
    public int cleanup() {
        return cleanup(() -> true);
    }

    /**
     * Deletes expired temporary files while {@code keepGoing} says so, stopping at the first file
     * that has not expired (keys are in expiry order).
     *
     * @return the number of files deleted
     */
    public int cleanup(BooleanSupplier keepGoing) {
        Instant now = clock.now();
        int deleted = 0;
        String token = null;
        do {
            BlobPage page = store.list(PREFIX, token, PAGE);
            for (BlobInfo item : page.items()) {
                if (!keepGoing.getAsBoolean() || Thread.currentThread().isInterrupted()) {
                    return deleted;
                }
                Optional<Instant> expires = expiresAt(item.key());
                if (expires.isEmpty()) {
                    continue; // not ours: leave it
                }
                if (expires.get().isAfter(now)) {
                    return deleted;
                }
                store.delete(item.key());
                deleted++;
            }
            token = page.continuationToken();
        } while (token != null);
        return deleted;
    }

    /**
     * {@link #cleanup} as a job for {@link dev.exstate.lease.LeasedScheduler}; it stops as soon as
     * its lease is lost.
     */
    public LeasedJob cleanupJob() {
        return context -> cleanup(context::isLeaseValid);
    }

    @Override
    public String toString() {
        return "TempFiles[" + store + "]";
    }
}
