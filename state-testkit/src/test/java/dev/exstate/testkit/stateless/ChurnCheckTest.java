package dev.exstate.testkit.stateless;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.exstate.testkit.stateless.ChurnCheck.ScaleAction;
import dev.exstate.testkit.stateless.ScaleChurnReport.ScaleEvent;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("ChurnCheck")
class ChurnCheckTest {

    /** Items into the session, files up and down, a read, readiness: everything the check can verify. */
    private static ChurnCheck.Builder check(ReplicaFactory factory) {
        return ChurnCheck.builder(factory)
                .name("tiny")
                .replicas(2, 3)
                .users(3)
                .duration(Duration.ofSeconds(3))
                .seed(7)
                .sessionWrite(item -> Step.post("/items", item), Step.get("/items"))
                .upload(bytes -> Step.post("/files", bytes).capture("file", "id=(\\w+)"), Step.get("/files/{{file}}"))
                .read(Step.get("/count"))
                .readinessPath("/health/ready")
                .thinkTime(Duration.ofMillis(5))
                .requestTimeout(Duration.ofSeconds(30))
                .startTimeout(Duration.ofSeconds(60));
    }

    private static void print(ScaleChurnReport report) {
        System.out.println(report.render());
    }

    @Nested
    @DisplayName("verdict")
    class Verdict {

        @Test
        @DisplayName("a service whose state lives in the shared world loses nothing while replicas come, go and die")
        void sharedStateSurvivesChurn() {
            ScaleChurnReport report = check(TinyService.stateless(TinyService.Jobs.ONE_REPLICA_PER_TICK))
                    .schedule(ScaleAction.SCALE_OUT, ScaleAction.KILL, ScaleAction.SCALE_OUT, ScaleAction.SCALE_IN)
                    .build().run();
            print(report);

            assertThat(report.sessionWrites()).isPositive();
            assertThat(report.uploads()).isPositive();
            assertThat(report.lostWrites()).isEmpty();
            assertThat(report.lostUploads()).isEmpty();
            assertThat(report.jobRunCount()).isPositive();
            assertThat(report.duplicateJobRuns()).isEmpty();
            assertThat(report.readinessPolls()).isPositive();
            assertThat(report.readinessFlaps()).isEmpty();
            assertThat(report.unservedRequests()).isZero();
            assertThat(report.failedOutsideScaleEvents()).isEmpty();
            assertThat(report.passed()).isTrue();
            assertThat(report.events()).extracting(ScaleEvent::action)
                    .containsExactly(ScaleAction.SCALE_OUT, ScaleAction.KILL, ScaleAction.SCALE_OUT, ScaleAction.SCALE_IN);
            assertThat(report.events()).extracting(ScaleEvent::replicasAfter).containsExactly(3, 2, 3, 2);
            assertThat(report.replicasStarted()).isEqualTo(4);
            assertThat(report.render()).contains("[PASS] session writes", "[PASS] uploads", "[PASS] scheduled jobs",
                    "2 out, 1 in gracefully, 1 killed", "Result: PASS -- tiny").doesNotContain("[FAIL]");
        }

        @Test
        @DisplayName("state kept in each replica is caught: lost session writes, lost uploads and duplicate job ticks")
        void perReplicaStateIsCaught() {
            ScaleChurnReport report = check(TinyService.stateful(TinyService.Jobs.EVERY_REPLICA))
                    .schedule(ScaleAction.SCALE_OUT, ScaleAction.KILL).build().run();
            print(report);

            assertThat(report.passed()).isFalse();
            // round-robin spreads a session's items over replicas that each keep their own part
            assertThat(report.lostWrites()).isNotEmpty()
                    .first().satisfies(l -> assertThat(l.item()).matches("u0\\d-s\\d{3}-w\\d{3}"));
            // a file lives on the replica that took it: the next one has none (404) or, ids being per replica, another one
            assertThat(report.lostUploads()).isNotEmpty()
                    .allSatisfy(l -> assertThat(l.problem()).matches("(missing: 404|partial: got \\d+ bytes that differ).*"));
            // every replica runs every local tick, so tick 0 ran on each of them
            assertThat(report.duplicateJobRuns()).isNotEmpty()
                    .first().satisfies(d -> assertThat(d.replicas()).hasSizeGreaterThanOrEqualTo(2));
            assertThat(report.render()).contains("[FAIL] session writes", "[FAIL] uploads", "[FAIL] scheduled jobs",
                    "Lost session writes (first", "SessionStore", "BlobStore", "LeasedScheduler", "Result: FAIL -- tiny");
        }

        @Test
        @DisplayName("a replica in rotation that stops being ready is reported as a readiness flap")
        void readinessFlapIsReported() {
            AtomicReference<TinyService.Store> store = new AtomicReference<>();
            ReplicaFactory factory = world -> {
                store.compareAndSet(null, world.shared("store", TinyService.Store::new));
                return TinyService.stateless(TinyService.Jobs.NONE).start(world);
            };
            CompletableFuture<ScaleChurnReport> run = CompletableFuture.supplyAsync(
                    () -> check(factory).schedule(ScaleAction.SCALE_OUT).build().run());

            // once a few readiness polls answered ready, readiness goes away while the replicas stay in rotation
            await().atMost(Duration.ofSeconds(60)).until(() -> store.get() != null && store.get().readinessAnswers.get() >= 3);
            store.get().ready.set(false);
            ScaleChurnReport report = run.join();
            print(report);

            assertThat(report.readinessFlaps()).isNotEmpty()
                    .first().satisfies(f -> assertThat(f.answer()).startsWith("503"));
            assertThat(report.lostWrites()).isEmpty();
            assertThat(report.passed()).isFalse();
            assertThat(report.render()).contains("[FAIL] readiness", "Readiness flaps (first");
        }
    }

    @Nested
    @DisplayName("scale events")
    class ScaleEvents {

        @Test
        @DisplayName("a kill goes through Replica.kill and a scale-in through close; a killed replica's job runs still count")
        void killAndScaleInUseTheirHooks() {
            List<String> ends = new CopyOnWriteArrayList<>();
            AtomicInteger ids = new AtomicInteger();
            ReplicaFactory tiny = TinyService.stateless(TinyService.Jobs.NONE);
            ReplicaFactory factory = world -> {
                int id = ids.getAndIncrement();
                Replica r = tiny.start(world);
                // replicas 0 and 1 both report tick 1; every replica reports a tick of its own
                List<JobRun> runs = id < 2 ? List.of(new JobRun("report", 1), new JobRun("report", 100 + id))
                        : List.of(new JobRun("report", 100 + id));
                return Replica.of(r.baseUri(), () -> runs,
                        () -> {
                            ends.add("close " + id);
                            r.close();
                        },
                        () -> {
                            ends.add("kill " + id);
                            r.kill();
                        });
            };

            ScaleChurnReport report = check(factory).replicas(1, 3)
                    .schedule(ScaleAction.SCALE_OUT, ScaleAction.KILL, ScaleAction.SCALE_OUT, ScaleAction.SCALE_IN)
                    .build().run();
            print(report);

            int killed = report.events().get(1).replica();
            int scaledIn = report.events().get(3).replica();
            // the kill hits replica 0 or 1, the only two running then
            assertThat(killed).isBetween(0, 1);
            assertThat(ends).hasSize(3).contains("kill " + killed, "close " + scaledIn)
                    .filteredOn(e -> e.startsWith("kill")).containsExactly("kill " + killed);
            assertThat(report.replicasStarted()).isEqualTo(3);
            assertThat(report.jobRunCount()).isEqualTo(5);
            // one of the two replicas that ran tick 1 was killed before the end: its runs were kept
            assertThat(report.duplicateJobRuns()).singleElement().satisfies(d -> {
                assertThat(d.run()).isEqualTo(new JobRun("report", 1));
                assertThat(d.replicas()).containsExactly(0, 1);
            });
        }

        @Test
        @DisplayName("the same seed draws the same schedule, which keeps the group within its bounds")
        void scheduleComesFromTheSeed() {
            ChurnCheck a = check(TinyService.stateless(TinyService.Jobs.NONE)).replicas(2, 5).events(30).seed(42).build();
            ChurnCheck b = check(TinyService.stateless(TinyService.Jobs.NONE)).replicas(2, 5).events(30).seed(42).build();
            ChurnCheck c = check(TinyService.stateless(TinyService.Jobs.NONE)).replicas(2, 5).events(30).seed(43).build();

            assertThat(a.schedule()).hasSize(30).isEqualTo(b.schedule()).isNotEqualTo(c.schedule());
            assertThat(a.schedule()).contains(ScaleAction.values());
            int count = 2;
            for (ScaleAction action : a.schedule()) {
                count += action == ScaleAction.SCALE_OUT ? 1 : -1;
                assertThat(count).isBetween(2, 5);
            }
            assertThat(ChurnCheck.plan(30, 2, 5, new Random(42))).isEqualTo(a.schedule());
        }
    }

    @Nested
    @DisplayName("options")
    class Options {

        @Test
        @DisplayName("bad options are refused when set, naming the value")
        void badOptionsAreRefused() {
            ChurnCheck.Builder b = ChurnCheck.builder(TinyService.stateless(TinyService.Jobs.NONE));
            assertThatThrownBy(() -> b.replicas(0, 2)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("min replicas must be at least 1, was 0");
            assertThatThrownBy(() -> b.replicas(3, 3)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("max replicas must be above min (3) and at most 8, was 3");
            assertThatThrownBy(() -> b.replicas(2, 9)).hasMessageContaining("at most 8, was 9");
            assertThatThrownBy(() -> b.users(17)).hasMessage("users must be between 1 and 16, was 17");
            assertThatThrownBy(() -> b.duration(Duration.ofMillis(999))).hasMessageContaining("between 1 s and 10 min");
            assertThatThrownBy(() -> b.events(0)).hasMessage("events must be between 1 and 100, was 0");
            assertThatThrownBy(() -> b.readinessPath("health")).hasMessageContaining("must start with '/'");
            assertThatThrownBy(() -> b.maxUploadBytes(0)).hasMessageContaining("between 1 and 1048576");
            assertThatThrownBy(() -> b.thinkTime(Duration.ofMillis(-1))).hasMessageContaining("between 0 and 10 s");
            assertThatThrownBy(b::schedule).hasMessageContaining("1 to 100 actions, had 0");
        }

        @Test
        @DisplayName("a schedule that leaves the replica bounds, or nothing to check, is refused by build()")
        void inconsistentSetupIsRefused() {
            assertThatThrownBy(() -> ChurnCheck.builder(TinyService.stateless(TinyService.Jobs.NONE)).build())
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("set sessionWrite(...) or upload(...)");
            assertThatThrownBy(() -> check(TinyService.stateless(TinyService.Jobs.NONE)).replicas(2, 3)
                    .schedule(ScaleAction.SCALE_OUT, ScaleAction.SCALE_OUT).build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("schedule action 2 (SCALE_OUT) would leave 2..3 replicas: 3 are running then");
            assertThatThrownBy(() -> check(TinyService.stateless(TinyService.Jobs.NONE)).schedule(ScaleAction.KILL).build())
                    .hasMessage("schedule action 1 (KILL) would leave 2..3 replicas: 2 are running then");
            assertThatThrownBy(() -> check(TinyService.stateless(TinyService.Jobs.NONE)).events(3).schedule(ScaleAction.SCALE_OUT))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("events already set");
        }
    }
}
