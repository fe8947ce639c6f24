package dev.exstate.session;

import dev.exstate.codec.Codec;
import dev.exstate.internal.session.UnsavedChanges;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A user session as read from a {@link SessionStore}: its id, timestamps and attributes.
 *
 * <p>Changes made with {@link #put} and {@link #remove} stay local until
 * {@link SessionStore#save(Session)}, which writes only the changed attributes. Two replicas
 * that change different attributes of the same session therefore never overwrite each other.
 * For a read-modify-write of one attribute that must not lose concurrent updates (a counter, a
 * cart), use {@link SessionStore#compute}.
 *
 * <p>Most code gets its session inside {@link SessionStore#update}, which saves on return, so
 * no change is forgotten. A session dropped with unsaved changes loses them; with the logger
 * {@code dev.exstate.session.Session} at DEBUG each such loss is logged, naming the changed
 * attributes (when the garbage collector finds the object, so a while later, and not at JVM exit).
 *
 * <p>Not thread-safe: one request uses one {@code Session} object. Attribute values are stored
 * as bytes produced by a {@link Codec}; never by Java serialization.
 */
public final class Session {
    private final SessionId id;
    private final Instant createdAt;
    private final Instant lastAccessedAt;
    private final Duration maxInactiveInterval;
    /** As loaded; never mutated (it may be shared with a provider's near cache), replaced by {@link #markSaved()}. */
    private Map<String, byte[]> attributes;
    /** The store's version of {@link #attributes}, 0 if the store keeps none. */
    private long version;
    /** Attribute changes since load: a value is a put, {@code null} a removal. Created on first change. */
    private Map<String, byte[]> changes = Map.of();
    /** Set on the first change while the unsaved-changes report is on (DEBUG); see {@link UnsavedChanges}. */
    private UnsavedChanges unsaved;

    private Session(SessionId id, Instant createdAt, Instant lastAccessedAt, Duration maxInactiveInterval,
                    Map<String, byte[]> attributes, long version) {
        this.id = Objects.requireNonNull(id, "id");
        this.createdAt = Objects.requireNonNull(createdAt, "createdAt");
        this.lastAccessedAt = Objects.requireNonNull(lastAccessedAt, "lastAccessedAt");
        this.maxInactiveInterval = Objects.requireNonNull(maxInactiveInterval, "maxInactiveInterval");
        this.attributes = Objects.requireNonNull(attributes, "attributes");
        this.version = version;
    }

    /**
     * For providers: a session as stored. Neither the map nor its arrays are copied, and the
     * session never changes them: a provider may pass the same immutable map to many sessions
     * (a near-cache hit then costs no copy), but must not change it afterwards.
     */
    public static Session restore(SessionId id, Instant createdAt, Instant lastAccessedAt,
                                  Duration maxInactiveInterval, Map<String, byte[]> attributes) {
        return new Session(id, createdAt, lastAccessedAt, maxInactiveInterval, attributes, 0);
    }

    /**
     * For providers: as {@link #restore(SessionId, Instant, Instant, Duration, Map)}, with the
     * store's version of these attributes (a number that grows with every write that changes
     * them), so that the provider can tell at save time whether anyone else wrote in between.
     */
    public static Session restore(SessionId id, Instant createdAt, Instant lastAccessedAt,
                                  Duration maxInactiveInterval, Map<String, byte[]> attributes, long version) {
        return new Session(id, createdAt, lastAccessedAt, maxInactiveInterval, attributes, version);
    }

    /**
     * For providers: the store's version of the attributes as loaded or last saved (0 if the store
     * keeps none); see {@link #markSaved(long)}.
     */
    public long version() {
        return version;
    }

    /**
     * For providers: the attributes as loaded or last saved, without unsaved changes. Immutable;
     * neither the map nor its arrays may be changed (they may be shared with a near cache).
     */
    public Map<String, byte[]> storedAttributes() {
        return attributes;
    }

    public SessionId id() {
        return id;
    }

    public Instant createdAt() {
        return createdAt;
    }

    /** When the store last recorded use of this session (refreshed at most every touch interval). */
    public Instant lastAccessedAt() {
        return lastAccessedAt;
    }

    public Duration maxInactiveInterval() {
        return maxInactiveInterval;
    }

    /** The attribute decoded with {@code codec}, including unsaved local changes. */
    public <T> Optional<T> get(String name, Codec<T> codec) {
        byte[] stored = rawBytes(name);
        // no defensive copy: codecs never change their input, and Codec.bytes() copies on decode
        return stored == null ? Optional.empty() : Optional.of(codec.decode(stored));
    }

    /** Shortcut for {@code get(name, Codec.utf8())}. */
    public Optional<String> getString(String name) {
        return get(name, Codec.utf8());
    }

    /** The attribute's stored bytes, including unsaved local changes. */
    public Optional<byte[]> getBytes(String name) {
        return Optional.ofNullable(rawBytes(name)).map(byte[]::clone);
    }

    private byte[] rawBytes(String name) {
        Objects.requireNonNull(name, "name");
        if (!changes.isEmpty() && changes.containsKey(name)) {
            return changes.get(name);
        }
        return attributes.get(name);
    }

    private Map<String, byte[]> changesForWrite() {
        if (changes.isEmpty() && !(changes instanceof LinkedHashMap)) {
            changes = new LinkedHashMap<>();
            unsaved = UnsavedChanges.watch(this, id, changes);
        }
        return changes;
    }

    /** Sets an attribute locally; written by the next {@link SessionStore#save}. */
    public <T> Session put(String name, T value, Codec<T> codec) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value (use remove to delete an attribute)");
        changesForWrite().put(name, codec.encode(value));
        return this;
    }

    /** Shortcut for {@code put(name, value, Codec.utf8())}. */
    public Session putString(String name, String value) {
        return put(name, value, Codec.utf8());
    }

    /** Removes an attribute locally; deleted by the next {@link SessionStore#save}. */
    public Session remove(String name) {
        Objects.requireNonNull(name, "name");
        changesForWrite().put(name, null);
        return this;
    }

    /** Names of all attributes, including unsaved local changes. */
    public Set<String> attributeNames() {
        Set<String> names = new java.util.TreeSet<>(attributes.keySet());
        changes.forEach((k, v) -> {
            if (v == null) {
                names.remove(k);
            } else {
                names.add(k);
            }
        });
        return Collections.unmodifiableSet(names);
    }

    /** True if there are local changes not yet saved. */
    public boolean isDirty() {
        return !changes.isEmpty();
    }

    /**
     * For providers: the unsaved changes. A value is a put; a {@code null} value a removal.
     * Returns a copy in the order the changes were made.
     */
    public Map<String, byte[]> changes() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(changes));
    }

    /** For providers: called after the changes were written, so they become the loaded state. */
    public void markSaved() {
        if (changes.isEmpty()) {
            return;
        }
        abandon();
        Map<String, byte[]> saved = new HashMap<>(attributes);
        changes.forEach((k, v) -> {
            if (v == null) {
                saved.remove(k);
            } else {
                saved.put(k, v);
            }
        });
        attributes = Collections.unmodifiableMap(saved);
        changes = Map.of();
    }

    /**
     * For providers: as {@link #markSaved()}, for a store that versions sessions; {@code version}
     * is the store's version after the write.
     */
    public void markSaved(long version) {
        markSaved();
        this.version = version;
    }

    /**
     * The caller has learned that the unsaved changes will not be saved (the unit of work failed
     * and said so): a later loss of this object is not reported.
     */
    void abandon() {
        if (unsaved != null) {
            unsaved.resolve();
            unsaved = null;
        }
    }

    /** Shows the id prefix and attribute names, never values (they may be personal data). */
    @Override
    public String toString() {
        return "Session[" + id + ", attributes=" + attributeNames() + (isDirty() ? ", unsaved changes" : "") + "]";
    }

    /** For providers: size of a name plus value as counted against {@link SessionOptions#maxSessionBytes()}. */
    public static long sizeOf(String name, byte[] value) {
        return name.length() + (value == null ? 0 : value.length);
    }

}
