package dev.exstate.memory;

import dev.exstate.session.SessionOptions;
import dev.exstate.session.SessionStore;
import dev.exstate.testkit.TimeControl;
import dev.exstate.testkit.contract.SessionStoreContract;
import dev.exstate.time.ManualClock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;

/** The in-memory session store, on a manual clock, passes the session store contract. */
@DisplayName("in-memory SessionStore")
class MemorySessionStoreContractTest extends SessionStoreContract {
    private ManualClock clock;
    private InMemoryBackend backend;

    @BeforeEach
    void freshBackend() {
        clock = new ManualClock();
        backend = InMemoryBackend.create(clock);
    }

    @Override
    protected SessionStore newStore(SessionOptions options) {
        return backend.sessionStore(options);
    }

    @Override
    protected TimeControl time() {
        return TimeControl.manual(clock);
    }
}
