package dev.exstate.spring.boot.internal;

import dev.exstate.runtime.StateRuntime;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The two steps exstate takes when the application context closes, placed around Boot's graceful
 * shutdown of the web server (lifecycles stop from the highest phase down):
 * <ol>
 *   <li>{@link #DRAIN_PHASE}: readiness turns false, before the web server stops taking requests
 *       ({@code WebServerGracefulShutdownLifecycle}, {@code DEFAULT_PHASE - 1024});</li>
 *   <li>the web server finishes its in-flight requests and stops ({@code DEFAULT_PHASE - 2048});</li>
 *   <li>{@link #POOLS_PHASE}: pools on a connection budget close (their connections closed, their
 *       permits released to the other replicas), while the runtime's leases still work. After every
 *       plain {@code Lifecycle} (phase 0), so components that stop in those phases can still use the
 *       database;</li>
 *   <li>{@link #CLOSE_PHASE}: the runtime closes (scheduler stopped, its jobs interrupted after the
 *       grace period, leases released, stores and config watch closed, guards closed), then the
 *       backends' clients. Below every plain {@code Lifecycle} (phase 0), so components that stop
 *       in those phases can still use exstate.</li>
 * </ol>
 * Neither step takes part in {@code context.stop()}/{@code start()} (not pauseable): they run on
 * close only.
 */
public final class ExstateShutdown {
    /** Readiness off: after the default phase, before the web server's graceful shutdown. */
    public static final int DRAIN_PHASE = SmartLifecycle.DEFAULT_PHASE - 512;
    /** Runtime and backends closed: after the web server has stopped and after plain lifecycles. */
    public static final int CLOSE_PHASE = -1024;
    /** Budgeted pools closed: after plain lifecycles, before the runtime (and so its leases) closes. */
    public static final int POOLS_PHASE = CLOSE_PHASE + 512;

    private static final Logger log = LoggerFactory.getLogger(ExstateShutdown.class);

    private ExstateShutdown() {
    }

    /** Step 1: readiness false. */
    public static SmartLifecycle drain(StateRuntime runtime) {
        return new Step("drain", DRAIN_PHASE, () -> {
            log.info("StateRuntime '{}': readiness off, shutting down", runtime.appName());
            runtime.health().startDraining();
        });
    }

    /** Step 3: the runtime closes, then each backend's client. */
    public static SmartLifecycle close(StateRuntime runtime, Supplier<Iterable<ExstateBackend>> backends) {
        return new Step("close", CLOSE_PHASE, () -> {
            runtime.close();
            for (ExstateBackend b : backends.get()) {
                try {
                    b.close();
                } catch (RuntimeException e) {
                    log.warn("closing the {} failed; continuing", b, e);
                }
            }
        });
    }

    /** Step between: each pool closes (drained, then its permits released); one that fails is logged. */
    public static SmartLifecycle closePools(Supplier<Iterable<? extends AutoCloseable>> pools) {
        return new Step("close budgeted pools", POOLS_PHASE, () -> {
            for (AutoCloseable pool : pools.get()) {
                try {
                    pool.close();
                } catch (Exception e) {
                    log.warn("closing {} failed; its permits expire after the permit TTL", pool, e);
                }
            }
        });
    }

    private static final class Step implements SmartLifecycle {
        private final String name;
        private final int phase;
        private final Runnable onStop;
        private volatile boolean running;

        Step(String name, int phase, Runnable onStop) {
            this.name = name;
            this.phase = phase;
            this.onStop = onStop;
        }

        @Override
        public void start() {
            running = true;
        }

        @Override
        public void stop() {
            if (running) {
                running = false;
                onStop.run();
            }
        }

        @Override
        public boolean isRunning() {
            return running;
        }

        @Override
        public int getPhase() {
            return phase;
        }

        @Override
        public boolean isPauseable() {
            return false;
        }

        @Override
        public String toString() {
            return "exstate " + name + " (phase " + phase + ")";
        }
    }
}
