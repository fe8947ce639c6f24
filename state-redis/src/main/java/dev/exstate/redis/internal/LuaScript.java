package dev.exstate.redis.internal;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * A Lua script run by {@code EVALSHA}, falling back to {@code EVAL} (which also caches it on the
 * server) when the server answers {@code NOSCRIPT}: after a restart, a failover or on a cluster
 * node that has not seen it yet. Either way one round trip in the steady state. Errors caused by
 * the stored data are reported as such ({@link RedisErrors}). Not API.
 */
public final class LuaScript {
    private final String name;
    private final String operation;
    private final byte[] body;
    private final String sha;

    /** {@code operation} names the script's work in errors, e.g. {@code session.save}. */
    public LuaScript(String name, String operation, String body) {
        this.name = name;
        this.operation = operation;
        this.body = body.getBytes(StandardCharsets.UTF_8);
        this.sha = sha1(this.body);
    }

    public String name() {
        return name;
    }

    public String sha() {
        return sha;
    }

    /** Runs the script; all {@code keys} must hash to one slot. */
    public <T> CompletionStage<T> run(RedisClusterAsyncCommands<String, byte[]> commands, ScriptOutputType type,
                                      String[] keys, byte[]... args) {
        CompletableFuture<T> first = commands.<T>evalsha(sha, type, keys, args).toCompletableFuture();
        return RedisErrors.mapped(operation, first.exceptionallyCompose(e -> {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof RedisNoScriptException) {
                return commands.<T>eval(body, type, keys, args);
            }
            return CompletableFuture.failedFuture(cause);
        }));
    }

    private static String sha1(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required by every Java platform", e);
        }
    }

    @Override
    public String toString() {
        return "LuaScript[" + name + " " + sha.substring(0, 8) + "]";
    }
}
