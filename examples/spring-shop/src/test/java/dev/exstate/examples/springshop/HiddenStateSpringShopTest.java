package dev.exstate.examples.springshop;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.exstate.testkit.hidden.HiddenStateRules;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The hidden-state rules on the Spring shop and on the exstate modules a Spring service uses
 * (starter, micrometer, shedlock, the providers), with real Spring annotations on the class path.
 */
class HiddenStateSpringShopTest {
    private static final JavaClasses EXSTATE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.exstate");

    @Test
    @DisplayName("the Spring shop has no hidden state: its @Scheduled job is @Leased")
    void springShopPasses() {
        JavaClasses shop = EXSTATE.that(resideInAPackage("dev.exstate.examples.springshop.."));
        assertThat(shop.contain(ReportJob.class)).isTrue();
        assertThat(HiddenStateRules.standard().all().evaluate(shop).getFailureReport().getDetails()).isEmpty();
    }

    @Test
    @DisplayName("the starter, micrometer, shedlock and provider modules have no hidden state the rules report")
    void springSideOfExstatePasses() {
        JavaClasses own = EXSTATE.that(resideInAPackage("dev.exstate.spring..")
                .or(resideInAPackage("dev.exstate.micrometer.."))
                .or(resideInAPackage("dev.exstate.shedlock.."))
                .or(resideInAPackage("dev.exstate.redis.."))
                .or(resideInAPackage("dev.exstate.etcd.."))
                .or(resideInAPackage("dev.exstate.objectstore..")));
        assertThat(own.containPackage("dev.exstate.spring.boot.scheduling")).isTrue();
        assertThat(own.containPackage("dev.exstate.micrometer")).isTrue();
        assertThat(own.containPackage("dev.exstate.shedlock")).isTrue();
        assertThat(HiddenStateRules.standard().all().evaluate(own).getFailureReport().getDetails()).isEmpty();
    }
}
