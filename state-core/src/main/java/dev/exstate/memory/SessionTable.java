package dev.exstate.memory;

import dev.exstate.time.StateClock;

/** Shared data of an {@link InMemoryBackend}. TODO */
final class SessionTable {
    SessionTable(StateClock clock) {
    }
}
