package dev.exstate.etcd;

import dev.exstate.config.ConfigSnapshot;
import dev.exstate.etcd.internal.EtcdConnection;
import dev.exstate.etcd.internal.EtcdErrors;
import dev.exstate.etcd.internal.EtcdKeys;
import dev.exstate.guard.Guard;
import dev.exstate.guard.Operation;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.DeleteResponse;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Writes and reads the config of one application in etcd, for operators, tests and demos; get
 * one from {@link EtcdState#admin()}. Every change is seen by every {@link EtcdConfigSource} on
 * the same prefix.
 *
 * <p>Every method is one guarded call and returns etcd's revision after it, so a caller can wait
 * until a source's {@code current().revision()} reaches it. Keys are the names a source shows
 * (without the prefix); a blank key, one over {@value EtcdKeys#MAX_CONFIG_KEY_LENGTH} characters,
 * or a key or value with control characters or unpaired surrogates (which UTF-8 cannot carry)
 * throws {@link IllegalArgumentException} before anything is sent. A write etcd refuses as too
 * large (over its {@code --max-request-bytes}, 1.5 MiB by default) throws
 * {@link IllegalArgumentException} naming the size, and is neither retried nor counted as an
 * outage. Failures throw {@link dev.exstate.guard.StateUnavailableException}, refused credentials
 * or permissions {@link dev.exstate.guard.StateAccessDeniedException}; writes are
 * overwrites, so the guard may retry them. Thread-safe; fails with {@link IllegalStateException} once its {@link EtcdState}
 * and every provider built from it are closed (the shared client is gone).
 */
public final class EtcdConfigAdmin {
    private static final Operation PUT = Operation.idempotent("config.put");
    private static final Operation DELETE = Operation.idempotent("config.delete");
    private static final Operation LIST = Operation.idempotent("config.list");

    private final EtcdConnection connection;
    private final Guard guard;
    private final EtcdKeys keys;

    EtcdConfigAdmin(EtcdConnection connection, Guard guard, EtcdKeys keys) {
        this.connection = Objects.requireNonNull(connection, "connection");
        this.guard = Objects.requireNonNull(guard, "guard");
        this.keys = Objects.requireNonNull(keys, "keys");
    }

    /** The etcd key prefix, e.g. {@code /exstate/shop/config/}. */
    public String prefix() {
        return keys.configPrefix();
    }

    /** Sets one value; returns the new revision. */
    public long put(String key, String value) {
        Objects.requireNonNull(value, "value");
        var etcdKey = keys.configKey(key);
        var etcdValue = EtcdKeys.bytes(EtcdKeys.checkConfigValue(key, value));
        requireOpen();
        long size = (long) etcdKey.size() + etcdValue.size();
        PutResponse r = guard.await(PUT, () -> EtcdErrors.sizeErrorsAreCallerErrors(() -> refusalsTyped(PUT, kv().put(etcdKey, etcdValue)),
                "config.put of key '" + key + "' (value of " + etcdValue.size() + " bytes)", size, maxInbound()));
        return r.getHeader().getRevision();
    }

    /**
     * Sets all {@code values} in one transaction: sources see them as one change. Returns the new
     * revision. etcd caps the operations of one transaction ({@code --max-txn-ops}, 128 by
     * default); a bigger map fails with {@link IllegalArgumentException}, and nothing is written.
     */
    public long putAll(Map<String, String> values) {
        Objects.requireNonNull(values, "values");
        if (values.isEmpty()) {
            throw new IllegalArgumentException("putAll needs at least one value");
        }
        long size = 0;
        Op[] ops = new Op[values.size()];
        int i = 0;
        for (Map.Entry<String, String> e : values.entrySet()) {
            var etcdKey = keys.configKey(e.getKey());
            var etcdValue = EtcdKeys.bytes(EtcdKeys.checkConfigValue(e.getKey(), e.getValue()));
            size += etcdKey.size() + etcdValue.size();
            ops[i++] = Op.put(etcdKey, etcdValue, PutOption.DEFAULT);
        }
        requireOpen();
        long total = size;
        TxnResponse r = guard.await(PUT, () -> EtcdErrors.sizeErrorsAreCallerErrors(() -> refusalsTyped(PUT, kv().txn().Then(ops).commit()),
                "config.put of " + values.size() + " keys", total, maxInbound()));
        return r.getHeader().getRevision();
    }

    /**
     * Deletes one key; returns the revision after the call (unchanged if the key did not exist, as
     * etcd does not count a delete of nothing as a change).
     */
    public long delete(String key) {
        var etcdKey = keys.configKey(key);
        requireOpen();
        DeleteResponse r = guard.await(DELETE, () -> refusalsTyped(DELETE, kv().delete(etcdKey)));
        return r.getHeader().getRevision();
    }

    /** Deletes every key under the prefix in one revision; returns the revision after the call. */
    public long deleteAll() {
        requireOpen();
        DeleteResponse r = guard.await(DELETE, () -> refusalsTyped(DELETE, kv().delete(keys.configPrefixBytes(),
                DeleteOption.builder().isPrefix(true).build())));
        return r.getHeader().getRevision();
    }

    /**
     * Every key under the prefix (without it) and etcd's revision of that state, read linearizably.
     *
     * @throws IllegalStateException if a key or value there is not valid UTF-8 (written by another
     *                               client), naming the key; delete or rewrite it
     */
    public ConfigSnapshot list() {
        requireOpen();
        GetResponse r = guard.await(LIST, () -> EtcdErrors.sizeErrorsAreCallerErrors(
                () -> refusalsTyped(LIST, kv().get(keys.configPrefixBytes(), GetOption.builder().isPrefix(true).build())),
                "config.list of " + keys.configPrefix(), keys.configPrefixBytes().size(), maxInbound()));
        Map<String, String> values = new HashMap<>();
        for (KeyValue kv : r.getKvs()) {
            String key = keys.configKeyName(kv.getKey());
            String value = EtcdKeys.text(kv.getValue());
            if (key == null || value == null) {
                throw new IllegalStateException("etcd config key '" + keys.configKeyDescription(kv.getKey()) + "' under "
                        + keys.configPrefix() + " has a " + (key == null ? "name" : "value") + " that is not valid UTF-8"
                        + " (written by another client); delete or rewrite it");
            }
            values.put(key, value);
        }
        return new ConfigSnapshot(r.getHeader().getRevision(), values);
    }

    private int maxInbound() {
        return connection.options().maxInboundMessageSize();
    }

    private io.etcd.jetcd.KV kv() {
        return connection.kv();
    }

    /** A refusal of credentials or permissions becomes StateAccessDeniedException: not retried, not counted by the breaker. */
    private <T> CompletableFuture<T> refusalsTyped(Operation op, CompletableFuture<T> call) {
        return EtcdErrors.translated(call, op.name(), keys.configPrefix(), connection.options());
    }

    private void requireOpen() {
        if (connection.isClosed()) {
            throw new IllegalStateException("the etcd client behind this admin is closed (its EtcdState and every "
                    + "provider built from it were closed); use an admin from an open EtcdState");
        }
    }

    @Override
    public String toString() {
        return "EtcdConfigAdmin[" + keys.configPrefix() + "]";
    }
}
