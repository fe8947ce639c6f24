package dev.exstate.testkit.stateless;

import dev.exstate.internal.Check;
import dev.exstate.testkit.stateless.HttpDriver.ClientState;
import dev.exstate.testkit.stateless.HttpDriver.Exchange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standard proof that a service is stateless: N replicas with the same config behind a
 * round-robin balancer give every client the same answers as one replica alone, and a scheduled
 * job runs each tick on one replica only.
 *
 * <p>{@link #run()} does, in this order:
 * <ol>
 *   <li>starts {@code N} replicas (default 2) in one shared {@link World};</li>
 *   <li>sends the {@link Workload}: clients interleaved, step {@code i} of a client to replica
 *       {@code i % N}, each client with its own cookies and captured {@code {{variables}}};</li>
 *   <li>starts one fresh replica in a fresh world (the baseline), sends the same workload to it
 *       alone, and closes it;</li>
 *   <li>compares the answers request by request: status and body, the body passed through the
 *       {@linkplain Builder#normalizeBody normalizer} first (mask generated ids, timestamps);</li>
 *   <li>once the group has been up for the {@linkplain Builder#jobWindow job window}, collects
 *       {@link Replica#jobRuns()}: a (job, tick) reported by more than one replica is a duplicate;</li>
 *   <li>closes the replicas and the world.</li>
 * </ol>
 *
 * <p>Bounded: every request has a timeout (default 5 s) and counts as "no answer" when it passes;
 * starting and closing a replica is bounded by the start timeout (default 30 s). Requests are sent
 * one at a time, so the verdict does not depend on races between clients. A check instance may be
 * run more than once; runs are independent. A replica that fails to start makes {@link #run()}
 * throw {@link IllegalStateException}: that is a broken setup, not a verdict.
 */
public final class StatelessnessCheck {
    static final String REPLICAS_WORLD = "replicas";
    static final String BASELINE_WORLD = "baseline";

    private static final Logger LOG = LoggerFactory.getLogger(StatelessnessCheck.class);

    private final ReplicaFactory factory;
    private final String name;
    private final int replicas;
    private final Workload workload;
    private final UnaryOperator<String> normalizer;
    private final Duration jobWindow;
    private final Duration requestTimeout;
    private final Duration startTimeout;

    private StatelessnessCheck(Builder b) {
        this.factory = b.factory;
        this.name = b.name;
        this.replicas = b.replicas;
        this.workload = Objects.requireNonNull(b.workload, "workload: call Builder.workload(...)");
        this.normalizer = b.normalizer;
        this.jobWindow = b.jobWindow;
        this.requestTimeout = b.requestTimeout;
        this.startTimeout = b.startTimeout;
    }

    public static Builder builder(ReplicaFactory factory) {
        return new Builder(factory);
    }

    /**
     * Runs the check (see the class comment). Blocks for about the job window plus the time the
     * two workload runs take.
     *
     * @throws IllegalStateException if a replica does not start within the start timeout
     */
    public StatelessnessReport run() {
        HttpDriver http = new HttpDriver("exstate-statelessness-http-", 2, requestTimeout);
        World groupWorld = new World(REPLICAS_WORLD);
        List<Replica> group = new ArrayList<>();
        try {
            for (int i = 0; i < replicas; i++) {
                group.add(start(groupWorld, "replica " + i + " of " + replicas));
            }
            long groupStarted = System.nanoTime();
            LOG.debug("statelessness check {}: {} replicas up, sending {} requests", name, replicas, workload.requestCount());
            List<List<Exchange>> actual = send(http, group);

            List<List<Exchange>> expected;
            World baselineWorld = new World(BASELINE_WORLD);
            try {
                Replica baseline = start(baselineWorld, "the baseline replica");
                try {
                    expected = send(http, List.of(baseline));
                } finally {
                    close(baseline, "the baseline replica");
                }
            } finally {
                baselineWorld.close();
            }

            List<Difference> differences = new ArrayList<>();
            Map<String, int[]> perEndpoint = new LinkedHashMap<>();
            List<String> notes = new ArrayList<>();
            compare(expected, actual, differences, perEndpoint, notes);

            long waitNanos = jobWindow.toNanos() - (System.nanoTime() - groupStarted);
            if (waitNanos > 0) {
                TimeUnit.NANOSECONDS.sleep(waitNanos);
            }
            Duration window = Duration.ofMillis((System.nanoTime() - groupStarted) / 1_000_000L);
            List<List<JobRun>> runsByReplica = new ArrayList<>();
            for (Replica r : group) {
                runsByReplica.add(r.jobRuns());
            }
            int runCount = runsByReplica.stream().mapToInt(List::size).sum();
            List<DuplicateJobRun> duplicates = DuplicateJobRun.among(runsByReplica);

            List<EndpointResult> endpoints = new ArrayList<>();
            perEndpoint.forEach((e, counts) -> endpoints.add(new EndpointResult(e, counts[0], counts[1])));
            return new StatelessnessReport(name, replicas, workload.clients().size(), workload.requestCount(),
                    endpoints, differences, window, runCount, duplicates, notes);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("statelessness check " + name + " was interrupted", e);
        } finally {
            for (int i = group.size() - 1; i >= 0; i--) {
                close(group.get(i), "replica " + i);
            }
            groupWorld.close();
            http.close();
        }
    }

    private void compare(List<List<Exchange>> expected, List<List<Exchange>> actual, List<Difference> differences,
                         Map<String, int[]> perEndpoint, List<String> notes) {
        int baselineNoAnswer = 0;
        int baselineServerErrors = 0;
        String firstBaselineProblem = null;
        // walk in the order requests were sent, so the first differences shown are the first that happened
        for (int s = 0; s < workload.maxSteps(); s++) {
            for (int c = 0; c < workload.clients().size(); c++) {
                Workload.Client client = workload.clients().get(c);
                if (s >= client.steps().size()) {
                    continue;
                }
                Step step = client.steps().get(s);
                Exchange want = expected.get(c).get(s);
                Exchange got = actual.get(c).get(s);
                Response w = normalize(want.response());
                Response g = normalize(got.response());
                int[] counts = perEndpoint.computeIfAbsent(step.endpoint(), k -> new int[2]);
                counts[0]++;
                if (w.isError() || w.status() >= 500) {
                    if (w.isError()) {
                        baselineNoAnswer++;
                    } else {
                        baselineServerErrors++;
                    }
                    if (firstBaselineProblem == null) {
                        firstBaselineProblem = want.request() + " -> " + w.shortForm(60);
                    }
                }
                if (!same(w, g)) {
                    counts[1]++;
                    differences.add(new Difference(client.name(), s, s % replicas, step.endpoint(), got.request(), w, g));
                }
            }
        }
        if (baselineNoAnswer + baselineServerErrors > 0) {
            notes.add("the baseline itself got " + baselineNoAnswer + " requests without answer and " + baselineServerErrors
                    + " server errors (first: " + firstBaselineProblem + "); check the workload and the service");
        }
    }

    private static boolean same(Response expected, Response actual) {
        if (expected.isError() || actual.isError()) {
            // error texts name ports and differ between runs; only "no answer on both sides" is the same
            return expected.isError() && actual.isError();
        }
        return expected.status() == actual.status() && expected.body().equals(actual.body());
    }

    private Response normalize(Response r) {
        if (r.isError()) {
            return r;
        }
        String body = Objects.requireNonNull(normalizer.apply(r.body()), "body normalizer returned null");
        return new Response(r.status(), body, null);
    }

    /** Sends the workload to {@code targets} round-robin; result[client][step]. */
    private List<List<Exchange>> send(HttpDriver http, List<Replica> targets) throws InterruptedException {
        List<ClientState> states = new ArrayList<>();
        List<List<Exchange>> results = new ArrayList<>();
        for (int c = 0; c < workload.clients().size(); c++) {
            states.add(new ClientState());
            results.add(new ArrayList<>());
        }
        for (int s = 0; s < workload.maxSteps(); s++) {
            for (int c = 0; c < workload.clients().size(); c++) {
                List<Step> steps = workload.clients().get(c).steps();
                if (s < steps.size()) {
                    Replica target = targets.get(s % targets.size());
                    results.get(c).add(http.send(target.baseUri(), steps.get(s), states.get(c)));
                }
            }
        }
        return results;
    }

    private Replica start(World world, String what) throws InterruptedException {
        Replica replica = HttpDriver.bounded("statelessness check " + name, "starting " + what, startTimeout, () -> factory.start(world));
        if (replica == null || replica.baseUri() == null) {
            throw new IllegalStateException("statelessness check " + name + ": the factory returned no replica (or no base URI) for " + what);
        }
        return replica;
    }

    private void close(Replica replica, String what) {
        try {
            HttpDriver.bounded("statelessness check " + name, "closing " + what, startTimeout, () -> {
                replica.close();
                return null;
            });
        } catch (RuntimeException e) {
            LOG.warn("statelessness check {}: {}", name, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Builder for {@link StatelessnessCheck}. Defaults: 2 replicas, no body normalization, no job
     * window, 5 s request timeout, 30 s start timeout. A workload is required.
     */
    public static final class Builder {
        private final ReplicaFactory factory;
        private String name = "service";
        private int replicas = 2;
        private Workload workload;
        private UnaryOperator<String> normalizer = UnaryOperator.identity();
        private Duration jobWindow = Duration.ZERO;
        private Duration requestTimeout = Duration.ofSeconds(5);
        private Duration startTimeout = Duration.ofSeconds(30);

        private Builder(ReplicaFactory factory) {
            this.factory = Objects.requireNonNull(factory, "factory");
        }

        /** The name reports use for the service under test. */
        public Builder name(String v) {
            this.name = Objects.requireNonNull(v, "name");
            return this;
        }

        /** Replicas in the checked group; at least 2. */
        public Builder replicas(int n) {
            this.replicas = Check.valid(n, n >= 2, () -> "the check needs at least 2 replicas, was " + n);
            return this;
        }

        public Builder workload(Workload v) {
            this.workload = Objects.requireNonNull(v, "workload");
            return this;
        }

        /**
         * Applied to both bodies before comparing, e.g. to mask generated ids:
         * {@code b -> b.replaceAll("[0-9a-f]{32}", "<id>")}. Must not return null.
         */
        public Builder normalizeBody(UnaryOperator<String> v) {
            this.normalizer = Objects.requireNonNull(v, "normalizer");
            return this;
        }

        /**
         * How long the group runs, from its start, before job runs are collected; choose a few
         * job periods (e.g. 1.5 s for a 200 ms job). Zero collects right after the comparison.
         */
        public Builder jobWindow(Duration v) {
            this.jobWindow = Check.valid(v, !v.isNegative(), () -> "jobWindow must not be negative, was " + v);
            return this;
        }

        /** Longest wait for one answer; a request past it counts as "no answer". */
        public Builder requestTimeout(Duration v) {
            this.requestTimeout = Check.valid(v, v.toMillis() >= 1, () -> "requestTimeout must be at least 1 ms, was " + v);
            return this;
        }

        /** Longest wait for a replica to start, and for it to close. */
        public Builder startTimeout(Duration v) {
            this.startTimeout = Check.valid(v, v.toMillis() >= 1, () -> "startTimeout must be at least 1 ms, was " + v);
            return this;
        }

        public StatelessnessCheck build() {
            return new StatelessnessCheck(this);
        }
    }
}
