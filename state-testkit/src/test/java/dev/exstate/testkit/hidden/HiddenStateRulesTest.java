package dev.exstate.testkit.hidden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import dev.exstate.testkit.hidden.Fixtures.*;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class HiddenStateRulesTest {
    private static final HiddenStateRules RULES = HiddenStateRules.standard();

    /** The violation messages of {@code rule} on exactly these classes. */
    static List<String> violations(ArchRule rule, Class<?>... classes) {
        JavaClasses imported = new ClassFileImporter().importClasses(classes);
        return rule.evaluate(imported).getFailureReport().getDetails();
    }

    @Nested
    @DisplayName("static mutable state")
    class StaticState {
        @Test
        @DisplayName("a static assigned while serving, a static map, a static counter and containers of singletons are reported")
        void flagged() {
            for (Class<?> c : List.of(NonFinalStatic.class, StaticMapCache.class, StaticCounter.class,
                    EnumSingletonCache.class, SpringServiceCache.class)) {
                assertThat(violations(RULES.staticMutableState(), c)).as(c.getSimpleName()).hasSize(1);
            }
            assertThat(violations(RULES.staticMutableState(), StaticMapCache.class).get(0))
                    .contains("StaticMapCache.CACHE", "Fixtures.java:", "Instead: keep what replicas share in a backend");
        }

        @Test
        @DisplayName("constants, tables filled in the static initialiser, thread-name counters and plain objects pass")
        void passes() {
            assertThat(violations(RULES.staticMutableState(), Constants.class, ThreadNames.class, LocalBuffer.class)).isEmpty();
        }
    }

    @Nested
    @DisplayName("timers on every replica")
    class Timers {
        @Test
        @DisplayName("java.util.Timer, a recurring ScheduledExecutorService job and @Scheduled without a lease are reported")
        void flagged() {
            for (Class<?> c : List.of(FlaggedTimer.class, FlaggedScheduledExecutor.class, FlaggedSpringScheduled.class)) {
                assertThat(violations(RULES.timersOnEveryReplica(), c)).as(c.getSimpleName()).hasSize(1);
            }
            assertThat(violations(RULES.timersOnEveryReplica(), FlaggedSpringScheduled.class).get(0))
                    .contains("report()", "@Scheduled without @Leased", "use LeasedScheduler");
        }

        @Test
        @DisplayName("one-shot delays, @Scheduled with @Leased and the LeasedScheduler pass")
        void passes() {
            assertThat(violations(RULES.timersOnEveryReplica(), OneShotDelay.class, LeasedSpringScheduled.class,
                    UsesLeasedScheduler.class)).isEmpty();
        }
    }

    @Nested
    @DisplayName("local files")
    class LocalFiles {
        @Test
        @DisplayName("temp files, Files.write, FileOutputStream, PrintWriter on a file name and java.io.tmpdir are reported")
        void flagged() {
            for (Class<?> c : List.of(FlaggedTempFile.class, FlaggedFilesWrite.class, FlaggedFileOutputStream.class,
                    FlaggedPrintWriterOnFile.class, FlaggedTmpDir.class)) {
                assertThat(violations(RULES.localFiles(), c)).as(c.getSimpleName()).hasSize(1);
            }
            assertThat(violations(RULES.localFiles(), FlaggedTempFile.class).get(0))
                    .contains("File.createTempFile", "use BlobStore");
        }

        @Test
        @DisplayName("reading files and writing to memory pass")
        void passes() {
            assertThat(violations(RULES.localFiles(), ReadsFiles.class)).isEmpty();
        }
    }

    @Nested
    @DisplayName("sessions in process maps")
    class Sessions {
        @Test
        @DisplayName("a map a request handler fills, and a map named for users, are reported")
        void flagged() {
            assertThat(violations(RULES.sessionsInProcessMaps(), FlaggedCartHandler.class))
                    .singleElement().asString().contains("FlaggedCartHandler.items", "serves requests", "SessionStore");
            assertThat(violations(RULES.sessionsInProcessMaps(), FlaggedUserMap.class))
                    .singleElement().asString().contains("userNames", "per-user data");
        }

        @Test
        @DisplayName("a routing table filled in the constructor, and a map of no user's data outside a handler, pass")
        void passes() {
            assertThat(violations(RULES.sessionsInProcessMaps(), RoutingHandler.class, Histogram.class)).isEmpty();
        }
    }

    @Nested
    @DisplayName("config read once")
    class ConfigReadOnce {
        @Test
        @DisplayName("environment read in a static initialiser, into a lazy static, or into a singleton, and settings a request handler reads from a map at start, are reported")
        void flagged() {
            for (Class<?> c : List.of(FlaggedStaticEnv.class, FlaggedLazyStatic.class, FlaggedSingletonConfig.class,
                    FlaggedHandlerSettingsAtStart.class)) {
                assertThat(violations(RULES.configReadOnce(), c)).as(c.getSimpleName()).hasSize(1);
            }
            assertThat(violations(RULES.configReadOnce(), FlaggedStaticEnv.class).get(0))
                    .contains("System.getenv", "static initialiser", "ConfigSource");
        }

        @Test
        @DisplayName("reading the environment where the value is used passes")
        void passes() {
            assertThat(violations(RULES.configReadOnce(), ReadsEachTime.class, HandlerReadsSettingsPerRequest.class)).isEmpty();
        }
    }

    @Nested
    @DisplayName("clients per request and unbounded pools")
    class ClientsAndPools {
        @Test
        @DisplayName("an HTTP client or a JDBC connection made per call is reported")
        void clientsFlagged() {
            assertThat(violations(RULES.clientsPerRequest(), FlaggedHttpClientPerCall.class))
                    .singleElement().asString().contains("fetch()", "HttpClient.newHttpClient", "create the client once");
            assertThat(violations(RULES.clientsPerRequest(), FlaggedConnectionPerCall.class)).hasSize(1);
        }

        @Test
        @DisplayName("a client made in a constructor or a factory passes")
        void clientsPass() {
            assertThat(violations(RULES.clientsPerRequest(), SharedClient.class)).isEmpty();
        }

        @Test
        @DisplayName("newCachedThreadPool and a pool with Integer.MAX_VALUE threads are reported; bounded pools pass")
        void pools() {
            assertThat(violations(RULES.unboundedPools(), FlaggedCachedPool.class))
                    .singleElement().asString().contains("newCachedThreadPool", "bounded pool");
            assertThat(violations(RULES.unboundedPools(), FlaggedMaxValuePool.class)).hasSize(1);
            assertThat(violations(RULES.unboundedPools(), BoundedPools.class)).isEmpty();
        }
    }

    @Nested
    @DisplayName("escapes")
    class Escapes {
        @Test
        @DisplayName("@ProcessLocal with a reason on a field or a class excuses it")
        void annotation() {
            assertThat(violations(RULES.all(), ExcusedField.class, ExcusedClass.class)).isEmpty();
        }

        @Test
        @DisplayName("@ProcessLocal on a package excuses its classes, and only with the package-info imported")
        void packageAnnotation() {
            JavaClasses withPackageInfo = new ClassFileImporter().importPackages("dev.exstate.testkit.hidden.excused");
            assertThat(RULES.all().evaluate(withPackageInfo).getFailureReport().getDetails()).isEmpty();
            assertThat(violations(RULES.staticMutableState(), dev.exstate.testkit.hidden.excused.HarnessCounter.class))
                    .singleElement().asString().contains("HarnessCounter.RUNS");
        }

        @Test
        @DisplayName("@ProcessLocal with a blank reason is itself reported")
        void blankReason() {
            assertThat(violations(RULES.staticMutableState(), BlankReason.class))
                    .singleElement().asString().contains("blank reason", "HITS");
        }

        @Test
        @DisplayName("an allow-list entry excuses a class or one member, and only that")
        void allowList() {
            HiddenStateRules byClass = HiddenStateRules.builder()
                    .allow(StaticCounter.class, "order numbers of a demo, never compared across replicas").build();
            assertThat(violations(byClass.all(), StaticCounter.class)).isEmpty();
            assertThat(violations(byClass.all(), StaticMapCache.class)).hasSize(1);

            HiddenStateRules byMember = HiddenStateRules.builder()
                    .allow(StaticMapCache.class.getName() + "#CACHE", "upper-casing is the same on every replica").build();
            assertThat(violations(byMember.all(), StaticMapCache.class)).isEmpty();
            assertThat(violations(byMember.all(), StaticCounter.class)).hasSize(1);
        }

        @Test
        @DisplayName("an allow-list entry needs a well-formed target and a reason")
        void allowListValidated() {
            assertThatThrownBy(() -> HiddenStateRules.builder().allow("com.acme.Legacy", " "))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a reason");
            assertThatThrownBy(() -> HiddenStateRules.builder().allow("com.acme..Legacy", "why"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("com.acme..Legacy");
            assertThatThrownBy(() -> HiddenStateRules.builder().allow("a.B", "x").allow("a.B", "y"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already allowed");
        }
    }

    @Test
    @DisplayName("all() reports every flagged fixture and nothing else")
    void allRules() {
        List<String> all = violations(RULES.all(), Fixtures.class.getDeclaredClasses());
        assertThat(all).allSatisfy(v -> assertThat(v).containsPattern("Fixtures\\$(Flagged|NonFinal|Static|EnumSingleton|SpringService|BlankReason)"));
        assertThat(all).hasSize(25); // 22 flagged classes, one of them twice, and the blank reason
    }
}
