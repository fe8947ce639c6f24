package dev.exstate.etcd.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exstate.config.ConfigChange;
import dev.exstate.config.ConfigValidator;
import dev.exstate.config.spi.PublishingConfigSource;
import dev.exstate.etcd.EtcdOptions;
import dev.exstate.guard.Guard;
import dev.exstate.guard.GuardPolicy;
import dev.exstate.testkit.backend.EtcdServer;
import dev.exstate.time.StateClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The compaction path of the watch, forced: a watch started from a revision etcd has already
 * compacted (what happens if compaction lands between a read and the watch that follows it) must
 * be noticed and answered with a re-read. The consistency check is off here, so only the
 * compaction signal can bring the watch back.
 */
@DisplayName("ConfigWatch re-reads when its start revision was compacted")
class EtcdConfigWatchCompactionIT {

    @Test
    @DisplayName("a watch from a compacted revision fails with CompactedException, the prefix is re-read, and later changes arrive once each")
    void compactedStartRevisionLeadsToReRead() throws Exception {
        try (EtcdServer etcd = EtcdServer.builder().start()) {
            EtcdKeys keys = new EtcdKeys("/exstate/", "compaction");
            EtcdConnection connection = EtcdConnection.open(EtcdOptions.builder(etcd.endpoint())
                    .watchProgressInterval(Duration.ofMillis(500))
                    .watchVerifyInterval(Duration.ZERO)
                    .maxRetryBackoff(Duration.ofMillis(200))
                    .build(), null, () -> { });
            Guard guard = Guard.create("etcd", GuardPolicy.defaults());
            ConfigWatch watch = new ConfigWatch(connection, guard, keys);
            List<ConfigChange> changes = new CopyOnWriteArrayList<>();
            etcd.put(keys.configPrefix() + "k", "0");
            // the source owns the watch, which owns the connection: closing the source releases both
            try (PublishingConfigSource source = new PublishingConfigSource(watch, ConfigValidator.acceptAll(),
                    StateClock.system())) {
                await().atMost(Duration.ofSeconds(30)).until(source::isLoaded);
                source.subscribe(changes::add);
                long before = source.current().revision();
                for (int i = 1; i <= 20; i++) {
                    etcd.put(keys.configPrefix() + "k", Integer.toString(i));
                }
                await().atMost(Duration.ofSeconds(30)).until(() ->
                        "20".equals(source.current().values().get("k")));
                long revision = source.current().revision();
                etcd.etcdctl("compact", Long.toString(revision)).requireSuccess();
                long reads = watch.resyncs();

                watch.watchFromWithoutReading(before + 1);

                await().atMost(Duration.ofSeconds(30)).until(() -> watch.compactions() == 1 && watch.resyncs() == reads + 1
                        && watch.problem() == null);
                etcd.put(keys.configPrefix() + "k", "21");
                await().atMost(Duration.ofSeconds(30)).until(() ->
                        !changes.isEmpty() && "21".equals(changes.get(changes.size() - 1).current().values().get("k")));
                List<Long> revisions = changes.stream().map(c -> c.current().revision()).toList();
                assertThat(revisions).isSorted().doesNotHaveDuplicates();
                assertThat(changes.stream().map(c -> c.current().values().get("k")).toList())
                        .as("values seen: the re-read found nothing new, so only 1..20 and then 21")
                        .endsWith("19", "20", "21").doesNotHaveDuplicates();
            } finally {
                guard.close();
            }
        }
    }
}
