package dev.exstate.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exstate.runtime.StateRuntime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * A value the exstate builders refuse fails start-up before anything connects, with an error that
 * names the property (and the builder's reason); secrets never appear in it.
 */
@DisplayName("bad exstate.* values fail start-up naming the property")
class ExstateStartupFailureTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ExstateRedisAutoConfiguration.class, ExstateEtcdAutoConfiguration.class,
                    ExstateS3AutoConfiguration.class, ExstateAutoConfiguration.class))
            .withPropertyValues("exstate.app-name=shop");

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            exstate.redis.uri=redis://127.0.0.1:1;exstate.redis.command-timeout=0s       | exstate.redis.command-timeout
            exstate.redis.uri=redis://127.0.0.1:1;exstate.redis.connections=0            | exstate.redis.connections
            exstate.redis.uri=http://127.0.0.1:1                                         | exstate.redis.uri
            exstate.redis.uri=redis://127.0.0.1:1;exstate.redis.heartbeat-interval=2s    | exstate.redis.freshness-window
            exstate.redis.uri=redis://127.0.0.1:1;exstate.redis.key-prefix=a b           | exstate.redis.key-prefix
            exstate.redis.uri=redis://127.0.0.1:1;exstate.redis.uris=redis://127.0.0.1:2 | exstate.redis.uris
            exstate.redis.uri=redis://127.0.0.1:1;exstate.redis.username=app             | exstate.redis.password
            exstate.redis.uri=redis://127.0.0.1:1;exstate.redis.client-key=/k.pem        | exstate.redis.client-key
            exstate.etcd.endpoints=http://127.0.0.1:1;exstate.etcd.keep-alive-time=1s    | exstate.etcd.keep-alive-time
            exstate.etcd.endpoints=ftp://127.0.0.1:1                                     | exstate.etcd.endpoints
            exstate.etcd.endpoints=http://127.0.0.1:1;exstate.etcd.key-prefix=exstate    | exstate.etcd.key-prefix
            exstate.etcd.endpoints=http://127.0.0.1:1;exstate.etcd.user=app              | exstate.etcd.password
            exstate.etcd.endpoints=http://127.0.0.1:1;exstate.etcd.max-inbound-message-size=10KB | exstate.etcd.max-inbound-message-size
            exstate.s3.endpoint=http://127.0.0.1:1;exstate.s3.bucket=ab                  | exstate.s3.bucket
            exstate.s3.bucket=files                                                      | exstate.s3.endpoint
            exstate.s3.endpoint=http://127.0.0.1:1;exstate.s3.bucket=files;exstate.s3.part-size=1MB | exstate.s3.part-size
            exstate.s3.endpoint=http://127.0.0.1:1;exstate.s3.bucket=files;exstate.s3.access-key=AKID | exstate.s3.access-key
            exstate.s3.endpoint=http://127.0.0.1:1;exstate.s3.bucket=files;exstate.s3.parts-in-flight=17 | exstate.s3.parts-in-flight
            exstate.session.max-attributes=0                                             | exstate.session.max-attributes
            exstate.session.touch-interval=1h                                            | exstate.session.touch-interval
            exstate.session.max-session-bytes=1GB                                        | exstate.session.max-session-bytes
            exstate.scheduler.lease-ttl=10ms                                             | exstate.scheduler.lease-ttl
            exstate.scheduler.lease-renew-every=9s                                       | exstate.scheduler.lease-renew-every
            exstate.scheduler.threads=0                                                  | exstate.scheduler.threads
            exstate.scheduler.shutdown-grace=2h                                          | exstate.scheduler.shutdown-grace
            exstate.guard.redis.timeout=0s                                               | exstate.guard.redis.timeout
            exstate.guard.etcd.total-timeout=100ms                                       | exstate.guard.etcd.total-timeout
            exstate.guard.s3.failure-rate-threshold=101                                  | exstate.guard.s3.failure-rate-threshold
            exstate.app-name=Not A Name                                                  | exstate.app-name
            exstate.require-shared-backends=sometimes                                    | exstate.require-shared-backends
            exstate.leases.backend=redis                                                 | exstate.leases.backend
            """)
    void refusedValueNamesItsProperty(String settings, String property) {
        runner.withPropertyValues(settings.split(";")).run(ctx -> {
            assertThat(ctx).hasFailed();
            InvalidConfigurationPropertyValueException e = find(ctx.getStartupFailure());
            assertThat(e).as("error naming the property, in %s", ctx.getStartupFailure()).isNotNull();
            assertThat(e.getName()).isEqualTo(property);
            assertThat(e.getReason()).isNotBlank();
        });
    }

    @Test
    @DisplayName("a value Spring cannot convert names the property too")
    void unconvertibleValueNamesItsProperty() {
        runner.withPropertyValues("exstate.redis.uri=redis://127.0.0.1:1", "exstate.redis.command-timeout=soon").run(ctx -> {
            assertThat(ctx).hasFailed();
            assertThat(messages(ctx.getStartupFailure())).contains("exstate.redis.command-timeout");
        });
    }

    @Test
    @DisplayName("without exstate.app-name or spring.application.name start-up fails and says which to set")
    void appNameIsRequired() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(ExstateAutoConfiguration.class)).run(ctx -> {
            assertThat(ctx).hasFailed();
            assertThat(find(ctx.getStartupFailure()).getName()).isEqualTo("exstate.app-name");
        });
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(ExstateAutoConfiguration.class))
                .withPropertyValues("spring.application.name=orders")
                .run(ctx -> assertThat(ctx.getBean(StateRuntime.class).appName()).isEqualTo("orders"));
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(ExstateAutoConfiguration.class))
                .withPropertyValues("spring.application.name=Order Service")
                .run(ctx -> assertThat(find(ctx.getStartupFailure()).getName()).isEqualTo("spring.application.name"));
    }

    @Test
    @DisplayName("errors about secrets and addresses never show the secret")
    void errorsDoNotShowSecrets() {
        runner.withPropertyValues("exstate.redis.mode=sentinel", "exstate.redis.uri=redis://app:Hidden-Pw-7@127.0.0.1:1").run(ctx -> {
            assertThat(find(ctx.getStartupFailure()).getName()).isEqualTo("exstate.redis.uri");
            assertThat(messages(ctx.getStartupFailure())).doesNotContain("Hidden-Pw-7");
        });
        runner.withPropertyValues("exstate.s3.endpoint=http://127.0.0.1:1", "exstate.s3.bucket=files",
                "exstate.s3.secret-key=Hidden-Key-8").run(ctx -> {
            assertThat(find(ctx.getStartupFailure()).getName()).isEqualTo("exstate.s3.secret-key");
            assertThat(messages(ctx.getStartupFailure())).doesNotContain("Hidden-Key-8");
        });
    }

    @Test
    @DisplayName("exstate.require-shared-backends=true without backends fails start-up naming what is missing")
    void requiredSharedBackendsFailWhenMissing() {
        runner.withPropertyValues("exstate.require-shared-backends=true").run(ctx -> {
            assertThat(ctx).hasFailed();
            assertThat(messages(ctx.getStartupFailure())).contains("requires shared backends")
                    .contains("sessions, config, leases, blobs are not configured");
        });
        runner.withPropertyValues("exstate.require-shared-backends=blobs").run(ctx ->
                assertThat(messages(ctx.getStartupFailure())).contains("but blobs is not configured"));
    }

    static InvalidConfigurationPropertyValueException find(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof InvalidConfigurationPropertyValueException e) {
                return e;
            }
        }
        return null;
    }

    static String messages(Throwable t) {
        List<String> out = new ArrayList<>();
        for (Throwable c = t; c != null; c = c.getCause()) {
            out.add(String.valueOf(c.getMessage()));
        }
        return String.join("\n", out);
    }
}
