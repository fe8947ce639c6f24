package dev.exstate.testkit.backend;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Kills backend processes a test forgot to close when the JVM exits normally or on a signal, so a
 * failed test run never leaves servers behind. (A JVM killed with SIGKILL runs no hooks.)
 */
final class ProcessReaper {
    private static final Set<BackendProcess<?>> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ProcessReaper::reapAll, "exstate-backend-reaper"));
    }

    private ProcessReaper() {}

    static void register(BackendProcess<?> process) {
        LIVE.add(process);
    }

    static void unregister(BackendProcess<?> process) {
        LIVE.remove(process);
    }

    private static void reapAll() {
        for (BackendProcess<?> p : LIVE) {
            p.reapOnShutdown();
        }
    }
}
