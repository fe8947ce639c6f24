package dev.exstate.spring.boot;

import static dev.exstate.spring.boot.ExstateStartupFailureTest.find;
import static dev.exstate.spring.boot.ExstateStartupFailureTest.messages;
import static org.assertj.core.api.Assertions.assertThat;

import dev.exstate.blob.Blob;
import dev.exstate.blob.BlobInfo;
import dev.exstate.blob.BlobStore;
import dev.exstate.blob.PutOptions;
import dev.exstate.filesystem.FileSystemBlobStore;
import dev.exstate.filesystem.FileSystemOptions;
import dev.exstate.health.BackendHealth;
import dev.exstate.objectstore.S3Options;
import dev.exstate.runtime.StateRuntime;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code exstate.filesystem.root} makes the runtime's blob store a {@link FileSystemBlobStore} on
 * that directory: blobs written through the {@link BlobStore} bean land under it, where another
 * replica mounting it reads them. S3 and the directory together fail start-up.
 */
@DisplayName("blobs on a shared directory")
class ExstateFileSystemAutoConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ExstateS3AutoConfiguration.class, ExstateFileSystemAutoConfiguration.class,
                    ExstateAutoConfiguration.class, ExstateHealthAutoConfiguration.class))
            .withPropertyValues("exstate.app-name=shop");

    @TempDir
    Path shared;

    @Test
    @DisplayName("the BlobStore bean stores in the directory, and a second replica on it reads what the first wrote")
    void blobsLiveInTheSharedDirectory() {
        runner.withPropertyValues("exstate.filesystem.root=" + shared, "exstate.require-shared-backends=blobs").run(first -> {
            assertThat(first).hasNotFailed();
            BlobStore blobs = first.getBean(BlobStore.class);
            assertThat(blobs).isInstanceOf(FileSystemBlobStore.class).isSameAs(first.getBean(StateRuntime.class).blobs());
            BlobInfo put = blobs.put("exports/2026-11.csv", "a,b\n1,2\n".getBytes(StandardCharsets.UTF_8), PutOptions.ifAbsent());
            assertThat(Files.isDirectory(shared.resolve("blobs"))).isTrue();

            runner.withPropertyValues("exstate.filesystem.root=" + shared).run(second -> {
                try (Blob blob = second.getBean(BlobStore.class).get("exports/2026-11.csv").orElseThrow();
                     InputStream in = blob.content()) {
                    assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("a,b\n1,2\n");
                    assertThat(blob.info().etag()).isEqualTo(put.etag());
                }
            });
            assertThat(first.getBean(StateRuntime.class).health().readiness().components())
                    .extracting(BackendHealth::component).contains("filesystem").doesNotContain("blobs");
            Health health = first.getBean("exstateHealthIndicator", HealthIndicator.class).health();
            assertThat(health.getDetails().get("components").toString()).contains("filesystem=");
        });
    }

    @Test
    @DisplayName("exstate.filesystem.* and exstate.guard.filesystem.* reach FileSystemOptions and the store's guard")
    void propertiesReachTheOptions() {
        runner.withPropertyValues("exstate.filesystem.root=" + shared, "exstate.filesystem.fsync=false",
                "exstate.filesystem.stale-lock-timeout=12s", "exstate.filesystem.lock-wait-timeout=3s",
                "exstate.filesystem.buffer-size=128KB", "exstate.filesystem.temp-file-max-age=2h",
                "exstate.guard.filesystem.timeout=3s").run(ctx -> {
            FileSystemOptions options = ctx.getBean(FileSystemOptions.class);
            assertThat(options).isEqualTo(FileSystemOptions.builder(shared).fsync(false).staleLockTimeout(Duration.ofSeconds(12))
                    .lockWaitTimeout(Duration.ofSeconds(3)).bufferSize(128 * 1024).tempFileMaxAge(Duration.ofHours(2)).build());
            FileSystemBlobStore store = (FileSystemBlobStore) ctx.getBean(BlobStore.class);
            assertThat(store.guard().policy().timeout()).isEqualTo(Duration.ofSeconds(3));
            assertThat(store.guard().policy().totalTimeout()).as("the rest of the store's own default policy")
                    .isEqualTo(FileSystemOptions.DEFAULT_GUARD_POLICY.totalTimeout());
        });
        runner.withPropertyValues("exstate.filesystem.root=" + shared).run(ctx ->
                assertThat(ctx.getBean(FileSystemOptions.class)).isEqualTo(FileSystemOptions.builder(shared).build()));
    }

    @Test
    @DisplayName("S3 and the directory together fail start-up, before S3 is contacted, saying to pick one")
    void s3AndFileSystemTogetherFail() {
        runner.withPropertyValues("exstate.filesystem.root=" + shared, "exstate.s3.endpoint=http://127.0.0.1:1",
                "exstate.s3.bucket=shop-files").run(ctx -> {
            assertThat(ctx).hasFailed();
            InvalidConfigurationPropertyValueException e = find(ctx.getStartupFailure());
            assertThat(e).as("%s", ctx.getStartupFailure()).isNotNull();
            assertThat(e.getName()).isEqualTo("exstate.filesystem.root");
            assertThat(e.getReason()).contains("blobs are stored in one place", "s3", "filesystem", "pick one",
                    "exstate.filesystem.root", "exstate.s3.endpoint");
        });
    }

    @Test
    @DisplayName("a missing root or a refused value fails start-up naming its property; without state-filesystem nothing is configured")
    void refusedValues() {
        runner.withPropertyValues("exstate.filesystem.root=" + shared.resolve("not-mounted")).run(ctx -> {
            assertThat(find(ctx.getStartupFailure()).getName()).isEqualTo("exstate.filesystem.root");
            assertThat(messages(ctx.getStartupFailure())).contains("is the shared volume mounted?");
        });
        runner.withPropertyValues("exstate.filesystem.root=" + shared, "exstate.filesystem.stale-lock-timeout=10ms")
                .run(ctx -> assertThat(find(ctx.getStartupFailure()).getName()).isEqualTo("exstate.filesystem.stale-lock-timeout"));
        runner.withPropertyValues("exstate.filesystem.root=" + shared, "exstate.filesystem.buffer-size=1KB")
                .run(ctx -> assertThat(find(ctx.getStartupFailure()).getName()).isEqualTo("exstate.filesystem.buffer-size"));
        runner.withPropertyValues("exstate.filesystem.root=" + shared, "exstate.guard.filesystem.timeout=0s")
                .run(ctx -> assertThat(find(ctx.getStartupFailure()).getName()).isEqualTo("exstate.guard.filesystem.timeout"));
        runner.withClassLoader(new FilteredClassLoader(FileSystemBlobStore.class))
                .withPropertyValues("exstate.filesystem.root=" + shared).run(ctx -> {
                    assertThat(ctx).hasNotFailed().doesNotHaveBean(FileSystemOptions.class);
                    assertThat(ctx.getBean(StateRuntime.class).blobs()).isNotInstanceOf(FileSystemBlobStore.class);
                });
    }

    @Test
    @DisplayName("an application's own FileSystemOptions bean is used; S3 alone is untouched")
    void applicationOptionsWinAndS3Alone() {
        runner.withBean(FileSystemOptions.class, () -> FileSystemOptions.builder(shared).fsync(false).build()).run(ctx -> {
            FileSystemBlobStore store = (FileSystemBlobStore) ctx.getBean(BlobStore.class);
            assertThat(store.options().fsync()).isFalse();
            assertThat(store.options().root()).isEqualTo(shared.toAbsolutePath().normalize());
        });
        runner.withPropertyValues("exstate.s3.endpoint=http://127.0.0.1:1", "exstate.s3.bucket=shop-files")
                .withBean(StateRuntime.class, () -> StateRuntime.builder("shop").build())
                .run(ctx -> assertThat(ctx).hasNotFailed().hasSingleBean(S3Options.class).doesNotHaveBean(FileSystemOptions.class));
    }
}
