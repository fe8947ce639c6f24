package dev.exstate.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exstate.config.ConfigSource;
import dev.exstate.guard.Guard;
import dev.exstate.lease.LeaseProvider;
import dev.exstate.lease.LeasedScheduler;
import dev.exstate.memory.InMemoryBackend;
import dev.exstate.session.SessionStore;
import dev.exstate.time.ManualClock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("StateRuntime.onBuilt")
class StateRuntimeOnBuiltTest {

    @Test
    @DisplayName("a listener hears of each part once: those built already at once, later ones as they are built; nothing is built for it")
    void eachPartOnce() {
        List<Object> early = new CopyOnWriteArrayList<>();
        List<Object> late = new CopyOnWriteArrayList<>();
        try (StateRuntime runtime = StateRuntime.builder("shop").inMemory(InMemoryBackend.create(new ManualClock()))
                .config(ctx -> InMemoryBackend.create(ctx.clock()).configSource(c -> { }))
                .build()) {
            runtime.onBuilt(early::add);
            assertThat(early).singleElement().isInstanceOf(ConfigSource.class);

            Guard guard = runtime.guard("payments");
            assertThat(runtime.guard("payments")).isSameAs(guard);
            SessionStore sessions = runtime.sessions();
            LeasedScheduler scheduler = runtime.scheduler();

            assertThat(early).containsExactly(runtime.config(), guard, sessions, runtime.leases(), scheduler);
            runtime.onBuilt(late::add);
            assertThat(late).containsExactlyInAnyOrder(runtime.config(), guard, sessions, runtime.leases(), scheduler);
            assertThat(late).filteredOn(LeaseProvider.class::isInstance).hasSize(1);
        }
    }

    @Test
    @DisplayName("a listener that throws is logged and ignored: the part is still built and later listeners still hear of it")
    void throwingListener() {
        List<Object> heard = new CopyOnWriteArrayList<>();
        try (StateRuntime runtime = StateRuntime.builder("shop").inMemory(InMemoryBackend.create(new ManualClock())).build()) {
            runtime.onBuilt(part -> {
                throw new IllegalStateException("listener bug");
            });
            runtime.onBuilt(heard::add);

            Guard guard = runtime.guard("payments");

            assertThat(heard).containsExactly(guard);
        }
    }
}
