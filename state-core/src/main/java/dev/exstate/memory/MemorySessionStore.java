package dev.exstate.memory;

import dev.exstate.codec.Codec;
import dev.exstate.session.Session;
import dev.exstate.session.SessionId;
import dev.exstate.session.SessionOptions;
import dev.exstate.session.SessionStore;
import dev.exstate.time.StateClock;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** In-memory {@link SessionStore}. TODO */
final class MemorySessionStore implements SessionStore {
    private final SessionOptions options;

    MemorySessionStore(SessionTable table, SessionOptions options, StateClock clock) {
        this.options = options;
    }

    @Override public Session create() { throw new UnsupportedOperationException("TODO"); }
    @Override public Optional<Session> find(SessionId id) { throw new UnsupportedOperationException("TODO"); }
    @Override public void save(Session session) { throw new UnsupportedOperationException("TODO"); }
    @Override public <T> T compute(SessionId id, String name, Codec<T> codec, UnaryOperator<T> fn) { throw new UnsupportedOperationException("TODO"); }
    @Override public void invalidate(SessionId id) { throw new UnsupportedOperationException("TODO"); }
    @Override public SessionId rotateId(SessionId id) { throw new UnsupportedOperationException("TODO"); }
    @Override public SessionOptions options() { return options; }
    @Override public void close() { }
}
