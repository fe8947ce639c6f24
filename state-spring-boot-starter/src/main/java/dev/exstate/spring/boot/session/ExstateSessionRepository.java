package dev.exstate.spring.boot.session;

import dev.exstate.session.SessionId;
import dev.exstate.session.SessionStore;
import java.util.List;
import java.util.Objects;
import org.springframework.session.SessionRepository;

/**
 * A Spring Session {@link SessionRepository} over an exstate {@link SessionStore}: with Spring
 * Session's {@code SessionRepositoryFilter} in front, {@code HttpSession} lives in the store
 * (Redis), is saved when the response is committed, and can be used by any replica.
 *
 * <p>What a user can rely on:
 * <ul>
 *   <li>saves write only the attributes the request set or removed, so concurrent requests on one
 *       session that set different attributes lose none (two replicas included);</li>
 *   <li>a session expires after {@code SessionOptions.maxInactiveInterval} without use (sliding;
 *       reads refresh the expiry at most once per touch interval), one interval for the store;</li>
 *   <li>{@code changeSessionId} (login, against fixation) moves the attributes to a new id and the
 *       old id finds nothing;</li>
 *   <li>attribute values are stored as JSON, never by Java serialization: String, Boolean, Integer,
 *       Long, Double, Float, Short, Byte, BigDecimal, BigInteger, Map, List, Set (their elements come
 *       back as JSON types) and records, beans and enums of the allowed packages; any other value fails
 *       {@code setAttribute} with a {@link dev.exstate.codec.CodecException} naming the attribute.</li>
 * </ul>
 *
 * <p>{@link #createSession} stores the new, empty session at once (its id is final from the
 * start). Thread-safe. Backend failures surface as the store's exceptions
 * ({@link dev.exstate.guard.StateUnavailableException}).
 */
public final class ExstateSessionRepository implements SessionRepository<ExstateHttpSession> {
    private final SessionStore store;
    private final AttributeCodec codec;

    /**
     * @param allowedPackages packages whose records, beans and enums may be attribute values
     *                        (sub-packages included)
     */
    public ExstateSessionRepository(SessionStore store, List<String> allowedPackages) {
        this(store, allowedPackages, ExstateSessionRepository.class.getClassLoader());
    }

    /** As above, loading attribute classes with {@code classLoader}. */
    public ExstateSessionRepository(SessionStore store, List<String> allowedPackages, ClassLoader classLoader) {
        this.store = Objects.requireNonNull(store, "store");
        Objects.requireNonNull(allowedPackages, "allowedPackages");
        for (String p : allowedPackages) {
            if (p == null || p.isBlank() || p.startsWith(".") || p.contains("..") || p.contains(" ")) {
                throw new IllegalArgumentException("allowedPackages: not a package name: '" + p + "'");
            }
        }
        this.codec = new AttributeCodec(List.copyOf(allowedPackages), classLoader);
    }

    /** Packages whose types may be attribute values. */
    public List<String> allowedPackages() {
        return codec.allowedPackages();
    }

    @Override
    public ExstateHttpSession createSession() {
        return new ExstateHttpSession(store, codec, store.create());
    }

    /**
     * Writes the attributes this session object changed, nothing if it changed none.
     *
     * @throws dev.exstate.session.SessionNotFoundException if the session expired or was
     *         invalidated meanwhile
     * @throws dev.exstate.session.SessionLimitException if a limit would be exceeded; nothing is written
     */
    @Override
    public void save(ExstateHttpSession session) {
        Objects.requireNonNull(session, "session");
        if (session.delegate().isDirty()) {
            store.save(session.delegate());
        }
    }

    /** The session, or null if the id is malformed, unknown, expired, invalidated or rotated. */
    @Override
    public ExstateHttpSession findById(String id) {
        return SessionId.tryParse(id).flatMap(store::find)
                .map(s -> new ExstateHttpSession(store, codec, s))
                .orElse(null);
    }

    /** Invalidates the session; a malformed or unknown id is ignored. */
    @Override
    public void deleteById(String id) {
        SessionId.tryParse(id).ifPresent(store::invalidate);
    }

    @Override
    public String toString() {
        return "ExstateSessionRepository[" + store.getClass().getSimpleName() + ", packages " + allowedPackages() + "]";
    }
}
