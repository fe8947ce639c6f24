package dev.exstate.testkit.stateless;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("StatelessnessCheck")
class StatelessnessCheckTest {

    /** Two clients that count, read back, store a note and read it through the next replica. */
    private static final Workload COUNT_AND_NOTES = Workload.builder()
            .client("alice",
                    Step.post("/count", ""),
                    Step.get("/count"),
                    Step.post("/notes", "alice's note").capture("noteId", "id=(\\w+)"),
                    Step.get("/notes/{{noteId}}"),
                    Step.post("/count", ""),
                    Step.get("/count"))
            .client("bob",
                    Step.post("/count", ""),
                    Step.post("/count", ""),
                    Step.get("/count"),
                    Step.post("/notes", "bob's note").capture("noteId", "id=(\\w+)"),
                    Step.get("/notes/{{noteId}}"))
            .build();

    /** Long enough for every replica's job timer to have fired, however busy the machine. */
    private static final Duration JOB_WINDOW = Duration.ofSeconds(1);

    private static String port(String received) {
        return received.split(" ")[0];
    }

    private static StatelessnessCheck.Builder check(ReplicaFactory factory) {
        return StatelessnessCheck.builder(factory).name("tiny").workload(COUNT_AND_NOTES)
                .requestTimeout(Duration.ofSeconds(30)).startTimeout(Duration.ofSeconds(60));
    }

    @Nested
    @DisplayName("responses")
    class Responses {

        @Test
        @DisplayName("a service whose state lives in the shared world passes")
        void serviceWithSharedStatePasses() {
            StatelessnessReport report = check(TinyService.stateless(TinyService.Jobs.NONE)).build().run();

            assertThat(report.differences()).isEmpty();
            assertThat(report.passed()).isTrue();
            assertThat(report.requestCount()).isEqualTo(11);
            assertThat(report.endpoints()).extracting(EndpointResult::endpoint)
                    .containsExactly("POST /count", "GET /count", "POST /notes", "GET /notes/{{noteId}}");
            assertThat(report.render()).contains("[PASS] responses: 11 of 11", "Result: PASS -- tiny")
                    .doesNotContain("FAIL");
        }

        @Test
        @DisplayName("a per-replica counter is reported with client, step, replica, expected and actual answer")
        void perReplicaCounterIsReported() {
            StatelessnessReport report = check(TinyService.stateful(TinyService.Jobs.NONE)).build().run();

            assertThat(report.passed()).isFalse();
            assertThat(report.responsesPassed()).isFalse();
            // alice counted on replica 0, then read her count from replica 1, which never saw it
            Difference first = report.differences().get(0);
            assertThat(first.client()).isEqualTo("alice");
            assertThat(first.step()).isEqualTo(1);
            assertThat(first.replica()).isEqualTo(1);
            assertThat(first.request()).isEqualTo("GET /count");
            assertThat(first.expected()).isEqualTo(new Response(200, "count=1", null));
            assertThat(first.actual()).isEqualTo(new Response(200, "count=0", null));
            assertThat(first.kind()).isEqualTo(Difference.Kind.BODY);

            // a note stored by replica 0 is not found by replica 1 ...
            assertThat(report.differencesOn("/notes/")).anySatisfy(d -> {
                assertThat(d.client()).isEqualTo("alice");
                assertThat(d.kind()).isEqualTo(Difference.Kind.STATUS);
                assertThat(d.request()).isEqualTo("GET /notes/n1");
                assertThat(d.actual()).isEqualTo(new Response(404, "no such note", null));
            });
            // ... and ids generated per replica collide: bob reads alice's note
            assertThat(report.differencesOn("/notes/")).anySatisfy(d -> {
                assertThat(d.client()).isEqualTo("bob");
                assertThat(d.expected().body()).isEqualTo("bob's note");
                assertThat(d.actual().body()).isEqualTo("alice's note");
            });
            assertThat(report.endpoints()).filteredOn(e -> e.endpoint().equals("GET /count"))
                    .singleElement().satisfies(e -> assertThat(e.passed()).isFalse());

            assertThat(report.render())
                    .contains("[FAIL] responses", "FAIL  GET /count", "client alice, step 1, replica 1: GET /count",
                            "expected: 200 count=1", "actual:   200 count=0",
                            "state is kept in the process", "Result: FAIL -- tiny");
        }

        @Test
        @DisplayName("a body normalizer masks generated ids so they are not reported")
        void normalizerMasksGeneratedIds() {
            Workload random = Workload.builder().client("carol", Step.get("/random"), Step.get("/random")).build();

            StatelessnessReport raw = check(TinyService.stateless(TinyService.Jobs.NONE)).workload(random).build().run();
            StatelessnessReport masked = check(TinyService.stateless(TinyService.Jobs.NONE)).workload(random)
                    .normalizeBody(b -> b.replaceAll("[0-9a-f-]{36}", "<uuid>")).build().run();

            assertThat(raw.differences()).hasSize(2).allSatisfy(d -> assertThat(d.kind()).isEqualTo(Difference.Kind.BODY));
            assertThat(masked.passed()).isTrue();
        }

        @Test
        @DisplayName("a request without answer within the timeout is reported as no answer, and the check ends")
        void requestWithoutAnswerIsReported() {
            Workload twoSteps = Workload.builder().client("dave", Step.post("/count", ""), Step.get("/count")).build();

            StatelessnessReport report = check(TinyService.secondReplicaHangs()).workload(twoSteps)
                    .requestTimeout(Duration.ofSeconds(3)).build().run();

            assertThat(report.differences()).singleElement().satisfies(d -> {
                assertThat(d.replica()).isEqualTo(1);
                assertThat(d.kind()).isEqualTo(Difference.Kind.NO_ANSWER);
                assertThat(d.actual().error()).contains("no answer within 3000 ms");
                assertThat(d.expected()).isEqualTo(new Response(200, "count=1", null));
            });
            assertThat(report.render()).contains("no answer: no answer within 3000 ms", "got no answer within the timeout");
        }

        @Test
        @DisplayName("a step that refers to a variable no response captured is not sent, and the report notes it")
        void unresolvedVariableIsNotSent() {
            Workload broken = Workload.builder()
                    .client("erin", Step.post("/notes", "x").capture("noteId", "nothing-like-this"), Step.get("/notes/{{noteId}}"))
                    .build();

            StatelessnessReport report = check(TinyService.stateless(TinyService.Jobs.NONE)).workload(broken).build().run();

            // both sides failed the same way: not a difference, but the report says the workload is broken
            assertThat(report.differences()).isEmpty();
            assertThat(report.notes()).singleElement().asString()
                    .contains("1 requests without answer", "{{noteId}} was not captured");
        }
    }

    @Nested
    @DisplayName("requests")
    class Requests {

        @Test
        @DisplayName("steps go round-robin and carry headers, captured variables and multipart bodies")
        void requestsCarryHeadersVariablesAndBodies() {
            Queue<String> received = new ConcurrentLinkedQueue<>();
            Workload workload = Workload.builder()
                    .client("frank",
                            Step.post("/notes", "first").capture("noteId", "id=(\\w+)"),
                            Step.get("/notes/{{noteId}}").header("X-Tenant", "t-{{noteId}}"),
                            Step.post("/notes", "about {{noteId}}").header("X-Tenant", "acme"),
                            Step.multipart("/upload", "file", "a.txt", "text/plain", "abc".getBytes(StandardCharsets.UTF_8)),
                            Step.put("/raw", new byte[] {1, 2, 3}))
                    .build();

            check(TinyService.recording(received)).workload(workload).build().run();

            List<String> all = List.copyOf(received);
            assertThat(all).hasSize(10); // 5 to the group, then 5 to the baseline
            List<String> group = all.subList(0, 5);
            String port0 = port(group.get(0));
            String port1 = port(group.get(1));
            assertThat(port0).isNotEqualTo(port1);
            assertThat(group).extracting(StatelessnessCheckTest::port).containsExactly(port0, port1, port0, port1, port0);
            assertThat(all.subList(5, 10)).extracting(StatelessnessCheckTest::port).containsOnly(port(all.get(5)))
                    .doesNotContain(port0, port1);

            assertThat(group.get(0)).contains("POST /notes", "type=text/plain; charset=UTF-8", "body=first");
            assertThat(group.get(1)).contains("GET /notes/n1", "tenant=t-n1");
            assertThat(group.get(2)).contains("POST /notes", "tenant=acme", "body=about n1");
            assertThat(group.get(3)).contains("POST /upload", "type=multipart/form-data; boundary=",
                    "name=\"file\"; filename=\"a.txt\"", "abc");
            assertThat(group.get(4)).contains("PUT /raw", "type=application/octet-stream");
        }

        @Test
        @DisplayName("each client keeps its own cookies across replicas; a Max-Age=0 cookie is dropped")
        void cookiesFollowTheClientAcrossReplicas() {
            Queue<String> received = new ConcurrentLinkedQueue<>();
            Workload workload = Workload.builder()
                    .client("gina", Step.post("/count", ""), Step.post("/count", ""), Step.get("/count"),
                            Step.post("/logout", ""), Step.get("/count"))
                    .client("hank", Step.get("/count"), Step.post("/count", ""), Step.get("/count"))
                    .build();

            StatelessnessReport report = check(TinyService.recording(received)).workload(workload).build().run();

            assertThat(report.passed()).isTrue();
            // interleaved: gina 0, hank 0, gina 1, hank 1, gina 2, hank 2, gina 3, gina 4
            List<String> group = List.copyOf(received).subList(0, 8);
            assertThat(group).extracting(r -> r.replaceAll(".* cookie=(\\S+).*", "$1"))
                    .containsExactly("null", "null", "C=c1", "C=c2", "C=c1", "C=c2", "C=c1", "null");
        }
    }

    @Nested
    @DisplayName("scheduled jobs")
    class Jobs {

        @Test
        @DisplayName("a job that every replica runs on every tick is reported as duplicate runs")
        void jobOnEveryReplicaIsReported() {
            StatelessnessReport report = check(TinyService.stateful(TinyService.Jobs.EVERY_REPLICA))
                    .workload(Workload.builder().client("ivy", Step.get("/count")).build())
                    .jobWindow(JOB_WINDOW).build().run();

            assertThat(report.jobsPassed()).isFalse();
            assertThat(report.duplicateJobRuns()).isNotEmpty()
                    .first().satisfies(d -> {
                        assertThat(d.run()).isEqualTo(new JobRun("report", 0));
                        assertThat(d.replicas()).containsExactly(0, 1);
                    });
            assertThat(report.render()).contains("[FAIL] scheduled jobs", "report#0 ran on replicas [0, 1]", "LeasedScheduler");
        }

        @Test
        @DisplayName("a job whose ticks are claimed in the shared world runs each tick once and passes")
        void jobClaimedInTheWorldPasses() {
            StatelessnessReport report = check(TinyService.stateless(TinyService.Jobs.ONE_REPLICA_PER_TICK))
                    .jobWindow(JOB_WINDOW).build().run();

            assertThat(report.passed()).isTrue();
            assertThat(report.jobRunCount()).isPositive();
            assertThat(report.jobWindow()).isGreaterThanOrEqualTo(JOB_WINDOW);
            assertThat(report.render()).contains("[PASS] scheduled jobs");
        }

        @Test
        @DisplayName("a service without jobs is not failed for having none")
        void noJobsIsNotAFailure() {
            StatelessnessReport report = check(TinyService.stateless(TinyService.Jobs.NONE)).build().run();

            assertThat(report.jobRunCount()).isZero();
            assertThat(report.jobsPassed()).isTrue();
            assertThat(report.render()).contains("no job runs reported");
        }
    }

    @Nested
    @DisplayName("setup")
    class Setup {

        @Test
        @DisplayName("a replica that fails to start makes the check throw, and replicas already started are closed")
        void replicaThatFailsToStartThrows() {
            AtomicInteger closed = new AtomicInteger();
            ReplicaFactory good = TinyService.stateless(TinyService.Jobs.NONE);
            AtomicInteger started = new AtomicInteger();
            ReplicaFactory secondFails = world -> {
                if (started.incrementAndGet() == 2) {
                    throw new IllegalStateException("port in use");
                }
                Replica r = good.start(world);
                return Replica.of(r.baseUri(), r::jobRuns, () -> {
                    closed.incrementAndGet();
                    r.close();
                });
            };

            assertThatThrownBy(() -> check(secondFails).build().run())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("starting replica 1 of 2 failed")
                    .hasMessageContaining("port in use");
            assertThat(closed).hasValue(1);
        }

        @Test
        @DisplayName("the group shares one world and the baseline gets a fresh one, closed after use")
        void worldsAreSharedByTheGroupAndFreshForTheBaseline() {
            List<World> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
            AtomicInteger worldsClosed = new AtomicInteger();
            ReplicaFactory factory = world -> {
                seen.add(world);
                world.shared("closer", () -> (AutoCloseable) worldsClosed::incrementAndGet);
                return TinyService.stateless(TinyService.Jobs.NONE).start(world);
            };

            check(factory).replicas(3).build().run();

            assertThat(seen).hasSize(4);
            assertThat(seen.get(0)).isSameAs(seen.get(1)).isSameAs(seen.get(2));
            assertThat(seen.get(3)).isNotSameAs(seen.get(0));
            assertThat(seen.get(3).isBaseline()).isTrue();
            assertThat(seen.get(0).isBaseline()).isFalse();
            assertThat(worldsClosed).hasValue(2);
        }

        @Test
        @DisplayName("fewer than two replicas is refused")
        void fewerThanTwoReplicasIsRefused() {
            assertThatThrownBy(() -> StatelessnessCheck.builder(TinyService.stateless(TinyService.Jobs.NONE)).replicas(1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 2 replicas");
        }
    }
}
