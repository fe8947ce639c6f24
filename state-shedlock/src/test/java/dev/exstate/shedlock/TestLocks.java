package dev.exstate.shedlock;

import java.util.List;
import java.util.Optional;

/** Clean-up shared by the provider tests. */
final class TestLocks {
    private TestLocks() {
    }

    /**
     * Unlocks every lock still current on this (JUnit's) thread, which would otherwise stay
     * current for the next test, then closes {@code closeAfter} in reverse order of creation.
     */
    static void tearDown(List<AutoCloseable> closeAfter) throws Exception {
        for (Optional<ExstateLock> held = ExstateLockProvider.currentLock(); held.isPresent();
             held = ExstateLockProvider.currentLock()) {
            held.get().unlock();
        }
        for (int i = closeAfter.size() - 1; i >= 0; i--) {
            closeAfter.get(i).close();
        }
    }
}
