package dev.exstate.bench.redis;

import dev.exstate.testkit.backend.RedisServer;
import dev.exstate.testkit.backend.RespConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What Redis did per benchmarked operation, from its own counters, read over a separate connection
 * before and after a measured stretch ({@code INFO stats commandstats}, one command per snapshot):
 * <ul>
 *   <li><b>round trips</b>: {@code total_reads_processed}, the read events on client sockets. A
 *       client that waits for each reply before sending the next command causes one read per
 *       round trip, so at 1 thread this is the round trips per operation; commands sent back to
 *       back (the raw pipelined write) usually arrive in one read. At 16 threads a multiplexed
 *       connection packs several threads' commands into one read, and the figure drops below the
 *       round trips each thread waits for;</li>
 *   <li><b>commands</b>: {@code INFO commandstats} calls, per command. Redis counts the commands a
 *       Lua script runs as well as the script call itself ({@code evalsha 1.00, hget 1.00, hset
 *       1.00} is one round trip running one script).</li>
 * </ul>
 * Not part of any operation, so left out: the counter's own {@code INFO} (and its read), and
 * connection upkeep that clients send on their own (PING keep-alives, HELLO, CLIENT, SELECT,
 * subscriptions); their reads are subtracted, one per call.
 */
final class CommandCounter implements AutoCloseable {
    private static final Set<String> UPKEEP = Set.of("info", "ping", "hello", "auth", "select", "quit", "readonly",
            "subscribe", "unsubscribe", "psubscribe", "punsubscribe", "ssubscribe", "sunsubscribe");
    private static final List<String> UPKEEP_PREFIXES = List.of("client|", "command|", "config|");

    private final RespConnection connection;

    CommandCounter(RedisServer server) {
        this.connection = server.connect(Duration.ofSeconds(10));
    }

    synchronized Snapshot snapshot() {
        String info = String.valueOf(connection.call("INFO", "stats", "commandstats"));
        long reads = -1;
        Map<String, Long> calls = new HashMap<>();
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("total_reads_processed:")) {
                reads = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            } else if (line.startsWith("cmdstat_")) {
                int colon = line.indexOf(':');
                int start = line.indexOf("calls=", colon) + "calls=".length();
                int end = line.indexOf(',', start);
                calls.put(line.substring("cmdstat_".length(), colon), Long.parseLong(line.substring(start, end)));
            }
        }
        return new Snapshot(reads, calls);
    }

    @Override
    public synchronized void close() {
        connection.close();
    }

    static boolean upkeep(String command) {
        return UPKEEP.contains(command) || UPKEEP_PREFIXES.stream().anyMatch(command::startsWith);
    }

    /** The counters at one moment. */
    record Snapshot(long reads, Map<String, Long> calls) {
        Delta minus(Snapshot before) {
            Map<String, Long> d = new HashMap<>();
            calls.forEach((name, n) -> {
                long diff = n - before.calls.getOrDefault(name, 0L);
                if (diff != 0) {
                    d.put(name, diff);
                }
            });
            // the later snapshot's own INFO was read before its reply was made
            return new Delta(reads - before.reads - 1, d);
        }
    }

    /** What happened between two snapshots (reads already without the later snapshot's own). */
    record Delta(long reads, Map<String, Long> calls) {
        /**
         * Reads of operations: minus one per upkeep command. Not minus the INFO calls: the one
         * INFO read in a delta (the later snapshot's) is already out, and the INFO call it does
         * count is the earlier snapshot's, whose read belongs to the stretch before.
         */
        long roundTrips() {
            long upkeep = calls.entrySet().stream().filter(e -> upkeep(e.getKey()) && !e.getKey().equals("info"))
                    .mapToLong(Map.Entry::getValue).sum();
            return Math.max(0, reads - upkeep);
        }

        long commands() {
            return calls.entrySet().stream().filter(e -> !upkeep(e.getKey())).mapToLong(Map.Entry::getValue).sum();
        }

        /** E.g. {@code 1.00 rt/op, 3.00 cmds/op (evalsha 1.00, hget 1.00, hset 1.00) over 12,345 ops}. */
        String perOp(long ops) {
            if (ops <= 0) {
                return "no operations counted";
            }
            List<Map.Entry<String, Long>> shown = new ArrayList<>();
            for (Map.Entry<String, Long> e : calls.entrySet()) {
                if (!upkeep(e.getKey()) && e.getValue() / (double) ops >= 0.005) {
                    shown.add(e);
                }
            }
            shown.sort(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
            StringBuilder per = new StringBuilder();
            for (Map.Entry<String, Long> e : shown) {
                per.append(per.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%s %.2f", e.getKey(), e.getValue() / (double) ops));
            }
            return String.format(Locale.ROOT, "%.2f rt/op, %.2f cmds/op (%s) over %,d ops",
                    roundTrips() / (double) ops, commands() / (double) ops, per, ops);
        }
    }

    /** Deltas and operations added up over several stretches (the measured iterations of a trial). */
    static final class Totals {
        private long reads;
        private long ops;
        private final Map<String, Long> calls = new HashMap<>();

        void add(Delta d, long operations) {
            reads += d.reads();
            ops += operations;
            d.calls().forEach((k, v) -> calls.merge(k, v, Long::sum));
        }

        long ops() {
            return ops;
        }

        String perOp() {
            return new Delta(reads, calls).perOp(ops);
        }

        double roundTripsPerOp() {
            return ops == 0 ? Double.NaN : new Delta(reads, calls).roundTrips() / (double) ops;
        }

        double commandsPerOp() {
            return ops == 0 ? Double.NaN : new Delta(reads, calls).commands() / (double) ops;
        }
    }
}
