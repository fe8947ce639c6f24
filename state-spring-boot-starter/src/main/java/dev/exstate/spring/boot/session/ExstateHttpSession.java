package dev.exstate.spring.boot.session;

import dev.exstate.codec.Codec;
import dev.exstate.codec.CodecException;
import dev.exstate.session.SessionId;
import dev.exstate.session.SessionNotFoundException;
import dev.exstate.session.SessionStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.springframework.session.Session;

/**
 * One request's copy of an exstate session, as Spring Session sees it. Attribute changes stay
 * local until {@link ExstateSessionRepository#save} (Spring Session's filter calls it when the
 * response is committed) and only changed attributes are written, so concurrent requests that
 * set different attributes keep all of them.
 *
 * <p>{@link #setAttribute} checks the value at once: one that cannot be stored as JSON and read
 * back fails there with a {@link CodecException} naming the attribute. {@link #getAttribute} returns
 * a new copy per session object: changing a returned object changes nothing stored until it is
 * set again (Spring Session's default {@code SaveMode.ON_SET_ATTRIBUTE}). Setting a value equal to
 * the stored one writes nothing. Not thread-safe, like the request it belongs to.
 */
public final class ExstateHttpSession implements Session {
    private final SessionStore store;
    private final AttributeCodec codec;
    private dev.exstate.session.Session delegate;
    /** Decoded values, so one request sees the same object on each getAttribute. */
    private final Map<String, Object> decoded = new HashMap<>();

    ExstateHttpSession(SessionStore store, AttributeCodec codec, dev.exstate.session.Session delegate) {
        this.store = store;
        this.codec = codec;
        this.delegate = delegate;
    }

    dev.exstate.session.Session delegate() {
        return delegate;
    }

    @Override
    public String getId() {
        return delegate.id().value();
    }

    /**
     * Moves the session to a new id at once ({@link SessionStore#rotateId}): the old id finds
     * nothing from now on. Unsaved changes are saved first, so none are lost.
     *
     * @throws SessionNotFoundException if the session expired or was invalidated meanwhile
     */
    @Override
    public String changeSessionId() {
        if (delegate.isDirty()) {
            store.save(delegate);
        }
        SessionId newId = store.rotateId(delegate.id());
        delegate = store.findFresh(newId).orElseThrow(() -> new SessionNotFoundException(newId));
        return newId.value();
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getAttribute(String attributeName) {
        Objects.requireNonNull(attributeName, "attributeName");
        Object value = decoded.get(attributeName);
        if (value == null) {
            Optional<byte[]> stored = delegate.getBytes(attributeName);
            if (stored.isEmpty()) {
                return null;
            }
            value = codec.decode(attributeName, stored.get());
            decoded.put(attributeName, value);
        }
        return (T) value;
    }

    @Override
    public Set<String> getAttributeNames() {
        return delegate.attributeNames();
    }

    /** @throws CodecException naming the attribute if the value cannot be stored (see the class comment) */
    @Override
    public void setAttribute(String attributeName, Object attributeValue) {
        Objects.requireNonNull(attributeName, "attributeName");
        if (attributeValue == null) {
            removeAttribute(attributeName);
            return;
        }
        byte[] stored = codec.encode(attributeName, attributeValue);
        decoded.remove(attributeName);
        Optional<byte[]> current = delegate.getBytes(attributeName);
        if (current.isEmpty() || !Arrays.equals(current.get(), stored)) {
            delegate.put(attributeName, stored, Codec.bytes());
        }
    }

    @Override
    public void removeAttribute(String attributeName) {
        Objects.requireNonNull(attributeName, "attributeName");
        decoded.remove(attributeName);
        if (delegate.getBytes(attributeName).isPresent()) {
            delegate.remove(attributeName);
        }
    }

    @Override
    public Instant getCreationTime() {
        return delegate.createdAt();
    }

    /**
     * Ignored: the store records use itself when the session is read (at most once per touch
     * interval, {@code exstate.session.touch-interval}) and saved.
     */
    @Override
    public void setLastAccessedTime(Instant lastAccessedTime) {
        // the sliding expiry is the store's: find and save refresh it
    }

    @Override
    public Instant getLastAccessedTime() {
        return delegate.lastAccessedAt();
    }

    /**
     * exstate has one idle timeout for all sessions of a store ({@code exstate.session.max-inactive-interval}):
     * setting that same value is accepted, any other is refused.
     *
     * @throws UnsupportedOperationException if {@code interval} differs from the store's
     */
    @Override
    public void setMaxInactiveInterval(Duration interval) {
        if (!delegate.maxInactiveInterval().equals(interval)) {
            throw new UnsupportedOperationException("exstate sessions share one idle timeout, "
                    + delegate.maxInactiveInterval() + " (exstate.session.max-inactive-interval); a per-session "
                    + "value (" + interval + ") is not supported");
        }
    }

    @Override
    public Duration getMaxInactiveInterval() {
        return delegate.maxInactiveInterval();
    }

    /** False: the store hands out only sessions that have not expired. */
    @Override
    public boolean isExpired() {
        return false;
    }

    /** Shows the id prefix and attribute names, never values. */
    @Override
    public String toString() {
        return "ExstateHttpSession[" + delegate + "]";
    }
}
