package dev.exstate.examples;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.equivalentTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import dev.exstate.testkit.hidden.HiddenStateRules;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The hidden-state rules on the two shops and on exstate's own production code: every hidden
 * state of the naive shop is found, and nothing in the exstate shop or in exstate itself.
 */
class HiddenStateExamplesTest {
    private static final HiddenStateRules RULES = HiddenStateRules.standard();
    /** Production classes of exstate on this module's classpath: core, testkit, redis, etcd, objectstore, examples. */
    private static final JavaClasses EXSTATE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.exstate");

    private static List<String> violations(ArchRule rule, JavaClasses classes) {
        return rule.evaluate(classes).getFailureReport().getDetails();
    }

    @Test
    @DisplayName("the naive shop is flagged on each of its hidden states")
    void naiveShopIsFlaggedOnEachHiddenState() {
        JavaClasses naive = EXSTATE.that(belongTo(equivalentTo(NaiveShopService.class)));

        assertThat(violations(RULES.sessionsInProcessMaps(), naive))      // carts by session id, in a HashMap
                .singleElement().asString().contains("NaiveShopService.carts", "SessionStore");
        assertThat(violations(RULES.timersOnEveryReplica(), naive))       // the report job on every replica
                .singleElement().asString().contains("scheduleAtFixedRate", "LeasedScheduler");
        assertThat(violations(RULES.localFiles(), naive))                 // uploads in a temp dir of this replica
                .hasSize(2)
                .anySatisfy(v -> assertThat(v).contains("Files.createTempDirectory", "BlobStore"))
                .anySatisfy(v -> assertThat(v).contains("Files.write", "BlobStore"));
        assertThat(violations(RULES.configReadOnce(), naive))             // the session limit, read once into a static,
                .hasSize(3)                                               // and the two flags, read once at start
                .anySatisfy(v -> assertThat(v).contains("Integer.getInteger", "ConfigSource"))
                .filteredOn(v -> v.contains("Map.getOrDefault"))
                .hasSize(2)
                .allSatisfy(v -> assertThat(v).contains("constructor", "serves requests", "ConfigSource"));
        assertThat(violations(RULES.unboundedPools(), naive))             // a thread per concurrent request
                .singleElement().asString().contains("newCachedThreadPool", "bounded pool");
        assertThat(violations(RULES.staticMutableState(), naive)).isEmpty();
        assertThat(violations(RULES.clientsPerRequest(), naive)).isEmpty();
        assertThat(violations(RULES.all(), naive)).hasSize(8);
    }

    @Test
    @DisplayName("the exstate shop, and every other example class, has no hidden state")
    void exstateShopPasses() {
        JavaClasses examples = EXSTATE.that(resideInAPackage("dev.exstate.examples.."))
                .that(not(belongTo(equivalentTo(NaiveShopService.class))));
        assertThat(examples.contain(ShopService.class)).isTrue();
        assertThat(violations(RULES.all(), examples)).isEmpty();
    }

    @Test
    @DisplayName("exstate's own production code has no hidden state the rules report")
    void exstateItselfPasses() {
        JavaClasses own = EXSTATE.that(not(resideInAPackage("dev.exstate.examples..")));
        assertThat(own.containPackage("dev.exstate.redis")).isTrue();
        assertThat(own.containPackage("dev.exstate.etcd")).isTrue();
        assertThat(own.containPackage("dev.exstate.objectstore")).isTrue();
        assertThat(own.containPackage("dev.exstate.filesystem")).isTrue();
        assertThat(own.containPackage("dev.exstate.hikari")).isTrue();
        assertThat(own.containPackage("dev.exstate.internal.budget")).isTrue();
        assertThat(own.containPackage("dev.exstate.testkit.backend")).isTrue();
        assertThat(violations(RULES.all(), own)).isEmpty();
    }
}
