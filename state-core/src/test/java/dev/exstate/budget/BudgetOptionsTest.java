package dev.exstate.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.exstate.lease.InvalidLeaseNameException;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("BudgetOptions bounds")
class BudgetOptionsTest {

    @Test
    @DisplayName("defaults: 5 s permits, 200 ms polls, 32 replicas")
    void defaults() {
        BudgetOptions o = BudgetOptions.builder("orders-db", 100).build();
        assertThat(o.permitTtl()).isEqualTo(Duration.ofSeconds(5));
        assertThat(o.pollInterval()).isEqualTo(Duration.ofMillis(200));
        assertThat(o.maxReplicas()).isEqualTo(32);
        assertThat(o).hasToString("BudgetOptions[resource=orders-db, connections=100, maxReplicas=32, permitTtl=PT5S, pollInterval=PT0.2S]");
    }

    @Test
    @DisplayName("each bad value is refused at once, naming the setting and the value")
    void badValues() {
        assertThatThrownBy(() -> BudgetOptions.builder("db", 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("connections must be between 1 and 10000, was 0");
        assertThatThrownBy(() -> BudgetOptions.builder(" ", 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("resource");
        assertThatThrownBy(() -> BudgetOptions.builder("db\n", 1)).isInstanceOf(InvalidLeaseNameException.class);
        assertThatThrownBy(() -> BudgetOptions.builder("db", 1).maxReplicas(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxReplicas must be between 1 and 1024, was 0");
        assertThatThrownBy(() -> BudgetOptions.builder("db", 1).permitTtl(Duration.ofMillis(50)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("permitTtl must be between 100 ms and 1 h");
        assertThatThrownBy(() -> BudgetOptions.builder("db", 1).permitTtl(Duration.ofMillis(500)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than 3 poll intervals");
        assertThatThrownBy(() -> BudgetOptions.builder("db", 1).pollInterval(Duration.ofSeconds(2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("less than a third of permitTtl (PT5S)");
    }
}
