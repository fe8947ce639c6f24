package dev.exstate.testkit.churn;

import dev.exstate.lease.LeaseProvider;
import dev.exstate.lease.LeasedScheduler;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;

/**
 * The body of one replica process of a {@link SchedulerChurn}: a provider module's test main
 * builds its {@link LeaseProvider} from {@link Settings#endpoint()} and {@link Settings#app()}
 * and hands it to {@link #run}, which schedules the churn job and blocks until the process ends.
 *
 * <pre>{@code
 * public static void main(String[] args) throws Exception {
 *     ChurnReplica.Settings s = ChurnReplica.Settings.parse(args);
 *     RedisState state = RedisState.connect(RedisOptions.standalone(s.endpoint()).appName(s.app()).build());
 *     ChurnReplica.run(s, state.leaseProvider(), state);
 * }
 * }</pre>
 *
 * <p>The job is fixed-rate with the given period. Each run checks
 * {@link dev.exstate.lease.JobContext#isLeaseValid()}, then appends one line
 * {@code <tick> <token> <pid> <nanoTime>} to the shared file with a single {@code write()} on an
 * {@code O_APPEND} channel (atomic for lines this short, so lines of different processes never
 * mix), then keeps the lease for the settings' work time, so that a signal can land mid-run.
 * {@code nanoTime} is {@link System#nanoTime()}, which on Linux is the system-wide monotonic
 * clock, comparable across the processes of one machine.
 *
 * <p>SIGTERM runs the JVM's shutdown hooks: the scheduler closes (the running job finishes and its
 * lease is released), then the provider and the resources. The process also exits, the same way,
 * when its standard input closes, so a driver that dies leaves no replica behind.
 */
public final class ChurnReplica {
    /** Name of the churn job; its lease is {@code job:churn}. */
    public static final String JOB = "churn";

    private ChurnReplica() {
    }

    /**
     * Schedules the churn job on a scheduler over {@code leases} and blocks until the process
     * ends. On shutdown the scheduler, {@code leases} and then {@code resources} are closed in
     * that order.
     */
    public static void run(Settings settings, LeaseProvider leases, AutoCloseable... resources) throws IOException {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(leases, "leases");
        FileChannel out = FileChannel.open(settings.file(), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        LeasedScheduler scheduler = LeasedScheduler.builder(leases)
                .leaseTtl(settings.leaseTtl())
                .leaseRenewEvery(settings.renewEvery())
                .shutdownGrace(Duration.ofSeconds(2))
                .build();
        List<AutoCloseable> toClose = new ArrayList<>();
        toClose.add(scheduler);
        toClose.add(leases);
        toClose.addAll(List.of(resources));
        toClose.add(out);
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (AutoCloseable c : toClose) {
                try {
                    c.close();
                } catch (Exception e) {
                    System.err.println("churn replica: closing " + c + " failed: " + e);
                }
            }
            closed.countDown();
        }, "churn-replica-shutdown"));

        long pid = ProcessHandle.current().pid();
        long workMillis = settings.work().toMillis();
        scheduler.scheduleAtFixedRate(JOB, settings.period(), ctx -> {
            if (!ctx.isLeaseValid()) {
                return;
            }
            String line = ctx.tick() + " " + ctx.fencingToken() + " " + pid + " " + System.nanoTime() + "\n";
            ByteBuffer bytes = ByteBuffer.wrap(line.getBytes(StandardCharsets.US_ASCII));
            if (out.write(bytes) != bytes.capacity()) {
                throw new IOException("short write of a churn line");
            }
            if (workMillis > 0) {
                Thread.sleep(workMillis);
            }
        });
        System.out.println("churn replica " + pid + " scheduled");
        System.out.flush();
        waitForStdinToClose();
        System.exit(0);
    }

    private static void waitForStdinToClose() {
        InputStream in = System.in;
        byte[] buffer = new byte[64];
        try {
            while (in.read(buffer) >= 0) {
                // the driver never writes; reading only detects that it is gone
            }
        } catch (IOException e) {
            // a broken pipe means the same: the driver is gone
        }
    }

    /**
     * What a replica is told on its command line:
     * {@code <endpoint> <app> <file> <leaseTtlMillis> <renewEveryMillis> <periodMillis> <workMillis>}.
     */
    public record Settings(String endpoint, String app, Path file, Duration leaseTtl, Duration renewEvery, Duration period,
                           Duration work) {
        public Settings {
            Objects.requireNonNull(endpoint, "endpoint");
            Objects.requireNonNull(app, "app");
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(leaseTtl, "leaseTtl");
            Objects.requireNonNull(renewEvery, "renewEvery");
            Objects.requireNonNull(period, "period");
            Objects.requireNonNull(work, "work");
        }

        /** Parses what {@link #toArgs()} produced. */
        public static Settings parse(String[] args) {
            if (args.length != 7) {
                throw new IllegalArgumentException("expected <endpoint> <app> <file> <leaseTtlMillis> <renewEveryMillis> "
                        + "<periodMillis> <workMillis>, got " + args.length + " arguments");
            }
            return new Settings(args[0], args[1], Path.of(args[2]), millis(args[3]), millis(args[4]), millis(args[5]),
                    millis(args[6]));
        }

        /** The command line arguments for a replica main. */
        public List<String> toArgs() {
            return List.of(endpoint, app, file.toString(), Long.toString(leaseTtl.toMillis()),
                    Long.toString(renewEvery.toMillis()), Long.toString(period.toMillis()), Long.toString(work.toMillis()));
        }

        private static Duration millis(String s) {
            try {
                return Duration.ofMillis(Long.parseLong(s));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a number of milliseconds: " + s, e);
            }
        }
    }
}
