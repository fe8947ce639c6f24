package dev.exstate.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.json.JsonParserFactory;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The generated configuration metadata documents every property, so IDEs complete and explain each. */
@DisplayName("configuration metadata")
class ConfigurationMetadataTest {

    @Test
    @DisplayName("every exstate.* property has a description, and the metadata lists all of them")
    void everyPropertyIsDocumented() throws Exception {
        // every metadata file on the class path (the tests' own properties classes make one too); exstate's entries
        List<String> names = new ArrayList<>();
        Enumeration<URL> files = getClass().getClassLoader().getResources("META-INF/spring-configuration-metadata.json");
        while (files.hasMoreElements()) {
            Map<String, Object> root;
            try (InputStream in = files.nextElement().openStream()) {
                root = JsonParserFactory.getJsonParser().parseMap(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            for (Object o : (List<?>) root.getOrDefault("properties", List.of())) {
                Map<?, ?> p = (Map<?, ?>) o;
                String name = (String) p.get("name");
                if (name.startsWith("exstate.")) {
                    names.add(name);
                    assertThat((String) p.get("description")).as("description of %s", name).isNotBlank();
                }
            }
        }
        assertThat(names).contains(
                "exstate.app-name", "exstate.require-shared-backends",
                "exstate.redis.mode", "exstate.redis.uri", "exstate.redis.uris", "exstate.redis.tls", "exstate.redis.verify-peer",
                "exstate.redis.trust-certificates", "exstate.redis.client-certificate", "exstate.redis.client-key",
                "exstate.redis.username", "exstate.redis.password", "exstate.redis.command-timeout",
                "exstate.redis.startup-timeout", "exstate.redis.connections", "exstate.redis.key-prefix", "exstate.redis.app-name",
                "exstate.redis.near-cache-size", "exstate.redis.invalidation", "exstate.redis.heartbeat-interval",
                "exstate.redis.freshness-window",
                "exstate.etcd.endpoints", "exstate.etcd.user", "exstate.etcd.password", "exstate.etcd.trust-certificates",
                "exstate.etcd.client-certificate", "exstate.etcd.client-key", "exstate.etcd.authority", "exstate.etcd.key-prefix",
                "exstate.etcd.app-name", "exstate.etcd.connect-timeout", "exstate.etcd.keep-alive-time",
                "exstate.etcd.keep-alive-timeout", "exstate.etcd.startup-timeout", "exstate.etcd.defaults",
                "exstate.etcd.watch-progress-interval", "exstate.etcd.watch-verify-interval", "exstate.etcd.max-retry-backoff",
                "exstate.etcd.max-inbound-message-size",
                "exstate.s3.endpoint", "exstate.s3.region", "exstate.s3.access-key", "exstate.s3.secret-key", "exstate.s3.bucket",
                "exstate.s3.auto-create-bucket", "exstate.s3.part-size", "exstate.s3.parts-in-flight", "exstate.s3.guard-name",
                "exstate.s3.connect-timeout", "exstate.s3.read-timeout", "exstate.s3.max-connections",
                "exstate.s3.startup-timeout", "exstate.s3.trust-certificates",
                "exstate.session.max-inactive-interval", "exstate.session.touch-interval", "exstate.session.max-attributes",
                "exstate.session.max-session-bytes", "exstate.session.max-attribute-name-length",
                "exstate.leases.backend",
                "exstate.scheduler.threads", "exstate.scheduler.shutdown-grace", "exstate.scheduler.lease-prefix",
                "exstate.scheduler.lease-ttl", "exstate.scheduler.lease-renew-every",
                "exstate.config.file", "exstate.config.file-poll-interval", "exstate.config.property-source",
                "exstate.filesystem.root", "exstate.filesystem.fsync", "exstate.filesystem.stale-lock-timeout",
                "exstate.filesystem.lock-wait-timeout", "exstate.filesystem.buffer-size", "exstate.filesystem.temp-file-max-age",
                "exstate.datasource-budget.resource", "exstate.datasource-budget.connections",
                "exstate.datasource-budget.permit-ttl", "exstate.datasource-budget.poll-interval",
                "exstate.datasource-budget.max-replicas");
        for (String backend : List.of("redis", "etcd", "s3", "filesystem")) {
            for (String field : List.of("timeout", "total-timeout", "failure-rate-threshold", "sliding-window-size",
                    "minimum-number-of-calls", "wait-in-open-state", "permitted-calls-in-half-open-state",
                    "max-concurrent-calls", "max-wait-for-slot", "max-retries", "retry-backoff", "max-staleness")) {
                assertThat(names).contains("exstate.guard." + backend + "." + field);
            }
        }
    }
}
