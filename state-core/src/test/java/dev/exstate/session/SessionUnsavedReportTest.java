package dev.exstate.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.exstate.memory.InMemoryBackend;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The DEBUG report of sessions dropped with unsaved changes. The logger
 * {@code dev.exstate.session.Session} is at DEBUG in this module's tests (simplelogger.properties),
 * and slf4j-simple writes to whatever {@code System.err} is at the time, so the test reads it there.
 */
@DisplayName("sessions dropped with unsaved changes")
class SessionUnsavedReportTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private PrintStream originalErr;

    @BeforeEach
    void captureErr() {
        originalErr = System.err;
        PrintStream original = originalErr;
        System.setErr(new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                synchronized (captured) {
                    captured.write(b);
                }
                original.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (captured) {
                    captured.write(b, off, len);
                }
                original.write(b, off, len);
            }
        }, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreErr() {
        System.setErr(originalErr);
    }

    private String log() {
        synchronized (captured) {
            return captured.toString(StandardCharsets.UTF_8);
        }
    }

    private static Session loaded() {
        return Session.restore(SessionId.generate(), T0, T0, Duration.ofMinutes(30), Map.of("user", new byte[] {'a'}));
    }

    /** A session changed and dropped here; only its id survives the call. */
    private static SessionId changeAndDrop() {
        Session s = loaded();
        s.putString("cart", "3 items").remove("user");
        return s.id();
    }

    private static SessionId changeSaveAndDrop() {
        Session s = loaded();
        s.putString("cart", "3 items");
        s.markSaved();
        return s.id();
    }

    private static SessionId changeAbandonAndDrop() {
        Session s = loaded();
        s.putString("cart", "3 items");
        s.abandon();
        return s.id();
    }

    private static SessionId readAndDrop() {
        Session s = loaded();
        assertThat(s.getString("user")).contains("a");
        return s.id();
    }

    @Test
    @DisplayName("a session dropped with unsaved changes is logged at DEBUG with its id prefix and the changed names; saved, abandoned and read-only ones are not")
    void droppedChangesAreReported() {
        SessionId saved = changeSaveAndDrop();
        SessionId abandoned = changeAbandonAndDrop();
        SessionId readOnly = readAndDrop();
        SessionId lost = changeAndDrop();

        // the report comes when the collector finds the session: ask for collections until it does
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
            System.gc();
            return log().contains(lost.toString());
        });

        String report = log().lines().filter(l -> l.contains(lost.toString())).findFirst().orElseThrow();
        assertThat(report).contains("DEBUG").contains("[cart, user]").contains("unsaved changes")
                .contains("SessionStore.update").doesNotContain("3 items").doesNotContain(lost.value());
        // the others were resolved when saved or abandoned (before the drop), or never watched
        assertThat(log()).doesNotContain(saved.toString()).doesNotContain(abandoned.toString())
                .doesNotContain(readOnly.toString());
    }

    @Test
    @DisplayName("update and create(init) save on return, and a failed unit of work is not reported as a silent loss")
    void unitsOfWorkLeaveNothingToReport() {
        InMemoryBackend backend = InMemoryBackend.create();
        try (SessionStore store = backend.sessionStore(SessionOptions.defaults())) {
            Session created = store.create(s -> s.putString("user", "ada"));
            assertThat(created.isDirty()).isFalse();
            SessionId id = created.id();
            assertThat(store.update(id, s -> s.putString("cart", "1"))).isPresent();
            assertThatThrownBy(() -> store.update(id, s -> {
                s.putString("cart", "2");
                throw new IllegalStateException("work failed (expected by the test)");
            })).hasMessageContaining("expected by the test");
            assertThat(store.find(id).orElseThrow().getString("cart")).contains("1");
            SessionId probe = changeAndDrop();

            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
                System.gc();
                return log().contains(probe.toString());
            });

            assertThat(log()).as("the sessions of update and create(init)").doesNotContain(id.toString());
        }
    }
}
