package dev.exstate.session;

import dev.exstate.cache.NearCacheStats;
import dev.exstate.codec.Codec;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Where sessions live, outside the process, so any replica can serve any request.
 *
 * <p>What a user can rely on, whatever the backend (the testkit's {@code SessionStoreContract}
 * checks each of these):
 * <ul>
 *   <li>{@link #update} finds a session, runs a unit of work on it and saves what the work
 *       changed, nothing if it changed nothing or threw;</li>
 *   <li>{@link #create()} stores a new session with a fresh 256-bit id;</li>
 *   <li>{@link #find} returns the session until it has been idle for
 *       {@link SessionOptions#maxInactiveInterval()}; a read refreshes the expiry at most once per
 *       {@link SessionOptions#touchInterval()}, so reads do not write every time;</li>
 *   <li>{@link #save} writes only changed attributes, and refreshes the expiry;</li>
 *   <li>{@link #compute} is an atomic read-modify-write of one attribute across replicas;</li>
 *   <li>limits are checked before anything is written: on {@link SessionLimitException} the
 *       stored session is unchanged;</li>
 *   <li>{@link #rotateId} keeps the attributes under a new id and makes the old id unusable.</li>
 * </ul>
 *
 * <p>Thread-safe. Remote implementations go through a {@code Guard} and throw
 * {@link dev.exstate.guard.StateUnavailableException} (or a subclass) when the backend fails, and
 * {@link dev.exstate.guard.StateDataException} when what the backend holds for a session is not
 * what exstate wrote (that session fails, nothing is changed, other sessions keep working;
 * {@link #invalidate} removes it).
 */
public interface SessionStore extends AutoCloseable {

    /**
     * The unit of work on a session, and the way to reach for first: finds the session (as
     * {@link #find} does), runs {@code work} on it on this thread, and if {@code work} changed
     * anything saves the changes (as {@link #save} does) before returning. A request that only
     * reads costs one {@link #find} and writes nothing; a change can no longer be forgotten.
     * Think of it as {@code find(id).map(work)} plus the save:
     *
     * <pre>{@code
     * Optional<String> user = SessionId.tryParse(cookieValue)          // malformed cookie: empty
     *         .flatMap(id -> sessions.update(id, s -> {
     *             s.putString("lastPage", path);                        // saved on return
     *             return s.getString("user").orElse("guest");
     *         }));                                                      // expired or unknown: empty
     * }</pre>
     *
     * <p>Saves are per attribute, so two replicas updating different attributes of one session
     * keep both changes; for a read-modify-write of one attribute that must not lose a concurrent
     * update (a counter), use {@link #compute} instead.
     *
     * @param work runs at most once, with a session only this call uses; its result is returned
     * @return {@code work}'s result; empty if there is no such session (expired, invalidated,
     *         rotated or never created: {@code work} was not called) or if {@code work} returned null
     * @throws SessionNotFoundException if the session expired or was invalidated after it was
     *                                  read and before the changes were saved: they are lost
     * @throws SessionLimitException    if the changes would exceed a limit; nothing is written
     * @throws RuntimeException         whatever {@code work} throws, unchanged; nothing is saved
     */
    default <R> Optional<R> update(SessionId id, Function<? super Session, ? extends R> work) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(work, "work");
        Optional<Session> found = find(id);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Session session = found.get();
        try {
            R result = work.apply(session);
            if (session.isDirty()) {
                save(session);
            }
            return Optional.ofNullable(result);
        } catch (Throwable e) {
            session.abandon(); // the caller hears of the loss from the exception
            throw e;
        }
    }

    /** Creates and stores a new, empty session. */
    Session create();

    /**
     * Creates a session and stores it with the attributes {@code init} sets: the unit of work
     * for a new session (a login), so the first attributes cannot be forgotten unsaved.
     *
     * @return the stored session, without unsaved changes
     * @throws SessionLimitException if {@code init}'s attributes exceed a limit; the new session is
     *                               invalidated (as it is when {@code init} throws, whose exception
     *                               is rethrown unchanged)
     */
    default Session create(Consumer<? super Session> init) {
        Objects.requireNonNull(init, "init");
        Session session = create();
        try {
            init.accept(session);
            if (session.isDirty()) {
                save(session);
            }
            return session;
        } catch (Throwable e) {
            session.abandon();
            try {
                invalidate(session.id()); // nobody knows the id yet: leave no empty session behind
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup); // it expires after its idle timeout anyway
            }
            throw e;
        }
    }

    /** The session, if it exists and has not expired. May refresh its expiry (see touch interval). */
    Optional<Session> find(SessionId id);

    /**
     * Like {@link #find}, but never answered from a local copy: sees every change acknowledged to
     * any replica before the call began. Costs a round trip to the backend where {@link #find}
     * may be served by a near cache, and fails rather than serve a cached copy when the backend
     * does. Use it right after another replica's write must be seen (e.g. a payment step).
     * Stores without a near cache implement it as {@link #find}.
     */
    default Optional<Session> findFresh(SessionId id) {
        return find(id);
    }

    /**
     * Writes the session's changed attributes and refreshes its expiry. Attributes changed by
     * other replicas and not changed here are left as they are. {@link #update} calls it for you.
     *
     * @throws SessionNotFoundException if the session expired or was invalidated meanwhile
     * @throws SessionLimitException    if the result would exceed a limit; nothing is written
     */
    void save(Session session);

    /**
     * Atomically replaces one attribute with {@code fn(current)}; {@code current} is
     * {@code null} when absent, and a {@code null} result removes the attribute. {@code fn} may
     * run more than once under contention and must have no side effects.
     *
     * @return the new value (or {@code null} if removed)
     * @throws SessionNotFoundException if the session does not exist
     * @throws SessionLimitException    if the result would exceed a limit; nothing is written
     */
    <T> T compute(SessionId id, String name, Codec<T> codec, UnaryOperator<T> fn);

    /** Deletes the session. Idempotent: deleting a missing session is not an error. */
    void invalidate(SessionId id);

    /**
     * Moves the session to a new id (call on login or privilege change, against fixation).
     *
     * @return the new id; the old one no longer finds anything
     * @throws SessionNotFoundException if the session does not exist
     */
    SessionId rotateId(SessionId id);

    SessionOptions options();

    /**
     * Hits, misses, stale serves and invalidations of this replica's near cache of sessions, for
     * metrics; empty if the store keeps none (the default) or it is switched off. Never calls the
     * backend.
     */
    default Optional<NearCacheStats> nearCacheStats() {
        return Optional.empty();
    }

    /** Releases the store's resources (connections, threads). Idempotent. */
    @Override
    void close();
}
