package dev.exstate.filesystem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exstate.blob.Blob;
import dev.exstate.blob.BlobInfo;
import dev.exstate.time.ManualClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replica processes (separate JVMs running {@link FileSystemBlobReplica}) share one directory and
 * race on it; what each reports and what the directory holds afterwards is checked here.
 */
@DisplayName("FileSystemBlobStore shared by replica processes")
class FileSystemBlobMultiProcessIT {
    private static final Duration PATIENCE = Duration.ofMinutes(4);

    @TempDir
    Path root;

    private final List<Replica> replicas = new ArrayList<>();

    private record Replica(Process process, Path log) {
        List<String> lines() throws IOException {
            return Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
        }

        boolean said(String line) throws IOException {
            return lines().contains(line);
        }

        long figure(String name) throws IOException {
            return lines().stream().filter(l -> l.startsWith(name + " ")).mapToLong(l -> Long.parseLong(l.substring(name.length() + 1)))
                    .findFirst().orElseThrow(() -> new AssertionError("no " + name + " in " + log));
        }
    }

    @AfterEach
    void endReplicas() throws InterruptedException {
        for (Replica r : replicas) {
            r.process.destroyForcibly();
            r.process.waitFor();
        }
    }

    private Replica start(String... args) throws IOException {
        Path log = Files.createTempFile(Files.createDirectories(root.resolve("logs")), "replica-", ".log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx96m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                FileSystemBlobReplica.class.getName(), root.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Replica r = new Replica(p, log);
        replicas.add(r);
        return r;
    }

    /** Starts the replicas' work at one moment, once all are ready, and waits until all are done. */
    private void runTogether(List<Replica> group) throws IOException {
        await().atMost(PATIENCE).until(() -> allSaid(group, "READY"));
        Files.createFile(root.resolve("go"));
        await().atMost(PATIENCE).until(() -> allSaid(group, "DONE"));
    }

    private static boolean allSaid(List<Replica> group, String line) throws IOException {
        for (Replica r : group) {
            if (!r.process.isAlive() && !r.said(line)) {
                throw new AssertionError("replica exited early: " + r.lines());
            }
            if (!r.said(line)) {
                return false;
            }
        }
        return true;
    }

    /** Lets one replica start its work and SIGKILLs it once it says {@code line}. */
    private void killWhenSaid(Replica replica, String line) throws Exception {
        await().atMost(PATIENCE).until(() -> allSaid(List.of(replica), "READY"));
        Files.createFile(root.resolve("go"));
        await().atMost(PATIENCE).until(() -> replica.said(line));
        replica.process.destroyForcibly();
        replica.process.waitFor();
    }

    private FileSystemBlobStore store() {
        return FileSystemBlobStore.open(root);
    }

    @Test
    @DisplayName("3 processes racing ifAbsent on each of 300 keys at one moment leave exactly one winner per key, whose content is stored")
    void ifAbsentRaceHasOneWinnerPerKey() throws IOException {
        int keys = 300;
        List<Replica> group = List.of(start("race", "" + keys, "p0", "3"), start("race", "" + keys, "p1", "3"),
                start("race", "" + keys, "p2", "3"));

        runTogether(group);

        Map<Integer, List<Integer>> winners = new HashMap<>();
        for (int p = 0; p < group.size(); p++) {
            for (String l : group.get(p).lines()) {
                if (l.startsWith("WIN ")) {
                    winners.computeIfAbsent(Integer.parseInt(l.substring(4)), k -> new ArrayList<>()).add(p);
                }
            }
        }
        try (FileSystemBlobStore store = store()) {
            for (int k = 0; k < keys; k++) {
                assertThat(winners.get(k)).as("winners of key %d", k).hasSize(1);
                try (Blob blob = store.get("race/k-" + k).orElseThrow()) {
                    assertThat(new String(blob.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("p" + winners.get(k).get(0));
                }
            }
        }
        long total = 0;
        for (Replica r : group) {
            total += r.figure("WINS");
        }
        assertThat(total).isEqualTo(keys);
        System.out.printf("ifAbsent race: %d keys x %d processes = %d puts, winners per process %d/%d/%d%n", keys, group.size(),
                keys * group.size(), group.get(0).figure("WINS"), group.get(1).figure("WINS"), group.get(2).figure("WINS"));
    }

    @Test
    @DisplayName("3 processes incrementing one counter with ifMatch lose no increment")
    void ifMatchCounterLosesNothing() throws IOException {
        try (FileSystemBlobStore store = store()) {
            store.put("counter", "0".getBytes(StandardCharsets.UTF_8));
        }
        int each = 150;
        List<Replica> group = List.of(start("count", "" + each), start("count", "" + each), start("count", "" + each));

        runTogether(group);

        long increments = 0;
        long conflicts = 0;
        for (Replica r : group) {
            increments += r.figure("INCREMENTS");
            conflicts += r.figure("CONFLICTS");
        }
        try (FileSystemBlobStore store = store(); Blob blob = store.get("counter").orElseThrow()) {
            assertThat(Long.parseLong(new String(blob.readAllBytes(), StandardCharsets.UTF_8))).isEqualTo(increments);
        }
        assertThat(increments).isEqualTo(3L * each);
        System.out.printf("ifMatch counter: %d increments by 3 processes, final value %d, %d precondition failures retried%n",
                increments, increments, conflicts);
    }

    @Test
    @DisplayName("2 processes overwriting one key while a third reads it: every read is one writer's whole blob")
    void overwritesAreSeenWhole() throws IOException {
        try (FileSystemBlobStore store = store()) {
            store.put("over", FileSystemBlobReplica.selfDescribing("seed", 0, 5000));
        }
        Replica reader = start("read");
        List<Replica> writers = List.of(start("overwrite", "120", "w0"), start("overwrite", "120", "w1"));

        runTogether(writers);
        Files.createFile(root.resolve("stop"));
        await().atMost(PATIENCE).until(() -> allSaid(List.of(reader), "DONE"));

        assertThat(reader.figure("BROKEN")).isZero();
        assertThat(reader.figure("READS")).isPositive();
        try (FileSystemBlobStore store = store(); Blob blob = store.get("over").orElseThrow()) {
            assertThat(FileSystemBlobReplica.whole(blob.readAllBytes())).isTrue();
            assertThat(store.list("", null, 1000).items()).extracting(BlobInfo::key).containsExactly("over");
        }
        System.out.printf("overwrites: %d puts by 2 processes, %d concurrent reads by a third, %d broken%n",
                writers.get(0).figure("PUTS") + writers.get(1).figure("PUTS"), reader.figure("READS"), reader.figure("BROKEN"));
    }

    @Test
    @DisplayName("a writer killed (SIGKILL) while holding a key's lock: another process's put breaks the lock after the stale timeout")
    void lockOfKilledWriterIsBroken() throws Exception {
        try (FileSystemBlobStore store = store()) {
            store.put("locked/key", "before".getBytes(StandardCharsets.UTF_8));
        }
        killWhenSaid(start("hold-lock", "locked/key"), "LOCKED");
        Path lock = root.resolve("blobs").resolve("locked.d").resolve("key.lock");
        assertThat(lock).exists();

        Duration stale = Duration.ofSeconds(2);
        try (FileSystemBlobStore store = FileSystemBlobStore.open(FileSystemOptions.builder(root).staleLockTimeout(stale)
                .lockWaitTimeout(Duration.ofMinutes(2)).build())) {
            long start = System.nanoTime();
            store.put("locked/key", "after".getBytes(StandardCharsets.UTF_8));
            Duration waited = Duration.ofNanos(System.nanoTime() - start);

            assertThat(waited).as("a live-looking lock is respected for the stale timeout").isGreaterThanOrEqualTo(stale);
            try (Blob blob = store.get("locked/key").orElseThrow()) {
                assertThat(new String(blob.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("after");
            }
            assertThat(lock).doesNotExist();
            System.out.printf("killed lock holder: lock broken and put done after %d ms (stale timeout %d ms)%n",
                    waited.toMillis(), stale.toMillis());
        }
    }

    @Test
    @DisplayName("a writer killed (SIGKILL) mid-upload leaves the old blob whole and only a temporary file, which is never listed and is swept")
    void uploadOfKilledWriterLeavesNoPartialBlob() throws Exception {
        BlobInfo before;
        try (FileSystemBlobStore store = store()) {
            before = store.put("upload/big", FileSystemBlobReplica.selfDescribing("old", 1, 4000));
        }
        killWhenSaid(start("slow-put", "upload/big"), "STREAMING");

        List<Path> leftovers;
        try (Stream<Path> tmp = Files.list(root.resolve("tmp"))) {
            leftovers = tmp.toList();
        }
        assertThat(leftovers).hasSize(1);
        assertThat(Files.size(leftovers.get(0))).isGreaterThanOrEqualTo(1024 * 1024);
        try (FileSystemBlobStore store = store()) {
            assertThat(store.stat("upload/big").orElseThrow().etag()).isEqualTo(before.etag());
            try (Blob blob = store.get("upload/big").orElseThrow()) {
                assertThat(FileSystemBlobReplica.whole(blob.readAllBytes())).isTrue();
            }
            assertThat(store.list("", null, 1000).items()).extracting(BlobInfo::key).containsExactly("upload/big");
        }
        // a replica whose clock is past the maximum age sweeps it
        ManualClock later = new ManualClock(Instant.now().plus(Duration.ofHours(2)));
        try (FileSystemBlobStore store = FileSystemBlobStore.open(FileSystemOptions.builder(root).clock(later).build())) {
            assertThat(store.sweepTempFiles()).isZero(); // opening swept it already
        }
        try (Stream<Path> tmp = Files.list(root.resolve("tmp"))) {
            assertThat(tmp.toList()).isEmpty();
        }
    }
}
