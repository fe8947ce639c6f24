package dev.exstate.filesystem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class FileSystemOptionsTest {
    private final FileSystemOptions.Builder b = FileSystemOptions.builder(Path.of("/mnt/shared"));

    @Test
    @DisplayName("defaults: fsync on, 30 s stale locks, 60 s lock wait, 64 KiB buffer, 1 h temp files, guard 'filesystem'")
    void defaults() {
        FileSystemOptions o = b.build();

        assertThat(o.fsync()).isTrue();
        assertThat(o.staleLockTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(o.lockWaitTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(o.bufferSize()).isEqualTo(64 * 1024);
        assertThat(o.tempFileMaxAge()).isEqualTo(Duration.ofHours(1));
        assertThat(o.guardName()).isEqualTo("filesystem");
        assertThat(o.guardPolicy()).isEqualTo(FileSystemOptions.DEFAULT_GUARD_POLICY);
        assertThat(o).isEqualTo(FileSystemOptions.builder(Path.of("/mnt/shared")).build());
    }

    @Test
    @DisplayName("each setter refuses a value out of range at once, naming the setting and the value")
    void settersCheckRanges() {
        assertThatThrownBy(() -> b.staleLockTimeout(Duration.ofMillis(99))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("staleLockTimeout").hasMessageContaining("PT0.099S");
        assertThatThrownBy(() -> b.lockWaitTimeout(Duration.ofHours(2))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lockWaitTimeout");
        assertThatThrownBy(() -> b.bufferSize(1024)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bufferSize").hasMessageContaining("1024");
        assertThatThrownBy(() -> b.tempFileMaxAge(Duration.ofSeconds(10))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tempFileMaxAge");
        assertThatThrownBy(() -> b.guardName(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FileSystemOptions.builder(Path.of("/" + "r".repeat(600))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("root");
    }
}
