package dev.exstate.config.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exstate.config.ConfigSnapshot;
import dev.exstate.config.ConfigSource;
import dev.exstate.config.ConfigValidationException;
import dev.exstate.config.ConfigValidator;
import dev.exstate.memory.InMemoryBackend;
import dev.exstate.time.ManualClock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("ConfigSource.rejectedSnapshots()")
class RejectedSnapshotsTest {
    private static final ConfigValidator NO_BAD_MODE = snapshot -> {
        if ("bad".equals(snapshot.values().get("mode"))) {
            throw new ConfigValidationException("mode must not be 'bad'");
        }
    };

    @Test
    @DisplayName("counts every revision the validator refused; accepted ones do not count")
    void countsRefusedRevisions() {
        InMemoryBackend backend = InMemoryBackend.create(new ManualClock());
        try (ConfigSource source = backend.configSource(NO_BAD_MODE)) {
            backend.putConfig("mode", "good");
            assertThat(source.rejectedSnapshots()).isZero();

            backend.putConfig("mode", "bad");
            backend.putConfig("other", "x"); // still holds mode=bad: refused too
            assertThat(source.rejectedSnapshots()).isEqualTo(2);

            backend.putConfig("mode", "good");
            assertThat(source.rejectedSnapshots()).isEqualTo(2);
            assertThat(source.current().values()).containsEntry("mode", "good");
            assertThat(source.lastRejection().orElseThrow().revision()).isLessThan(source.current().revision());
        }
    }

    @Test
    @DisplayName("a revision refused again after a re-read, or reported unusable by the backend, counts once")
    void sameRevisionCountsOnce() {
        ConfigBackend.Sink[] sink = new ConfigBackend.Sink[1];
        ConfigBackend backend = new ConfigBackend() {
            @Override
            public String backendName() {
                return "test";
            }

            @Override
            public String describe() {
                return "the test's backend";
            }

            @Override
            public void start(Sink s) {
                sink[0] = s;
            }

            @Override
            public void close() {
            }
        };
        try (PublishingConfigSource source = new PublishingConfigSource(backend, NO_BAD_MODE, new ManualClock())) {
            sink[0].offer(new ConfigSnapshot(1, Map.of("mode", "good")));
            sink[0].offer(new ConfigSnapshot(2, Map.of("mode", "bad")));
            sink[0].offer(new ConfigSnapshot(2, Map.of("mode", "bad"))); // re-read after a reconnect
            assertThat(source.rejectedSnapshots()).isEqualTo(1);

            sink[0].reject(3, List.of("unparseable value"));
            sink[0].reject(3, List.of("unparseable value"));
            assertThat(source.rejectedSnapshots()).isEqualTo(2);
            assertThat(source.current().revision()).isEqualTo(1);
        }
    }
}
