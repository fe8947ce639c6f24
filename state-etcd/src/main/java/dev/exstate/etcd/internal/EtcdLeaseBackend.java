package dev.exstate.etcd.internal;

import dev.exstate.guard.Guard;
import dev.exstate.guard.Operation;
import dev.exstate.lease.spi.LeaseBackend;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.kv.DeleteResponse;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.lease.LeaseGrantResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leases on etcd leases. Not API.
 *
 * <p>A held lease is the key {@code <prefix><app>/lease/<name>} whose value is the owner id,
 * attached to an etcd lease with the TTL; the fencing token is the key's create revision, which
 * etcd makes strictly greater for every new key. Acquire grants an etcd lease and puts the key in
 * a transaction guarded by "create revision is 0" (absent). A tick claim adds the key
 * {@code <prefix><app>/lease-tick/<name>} (no etcd lease: it never expires) to the same
 * transaction, guarded by "its value is below this tick" and written with it, so the tick
 * record and the lease key change together or not at all; as revisions only grow, tokens of
 * successful claims increase in tick order. Renewal is one explicit
 * {@code keepAliveOnce} per call of the lease manager, after checking the key is still ours; jetcd's
 * streaming keep-alive is not used because it can stop silently (jetcd#965, #1383), while a failed
 * explicit call is seen and counted by the manager. Release deletes the key if still ours, then
 * revokes the etcd lease.
 *
 * <p>etcd raises a TTL below its minimum (1.5 × election timeout, rounded up to whole seconds) and
 * expires leases by its own clock, checked about every 500 ms, and a new etcd leader extends every
 * lease: a crashed holder's lease can be taken over only after the etcd TTL. The holder's own
 * deadline uses the requested TTL, which is never longer, so it always stops believing it holds
 * the lease first.
 *
 * <p>Every call goes through the {@link Guard}. All of them may be retried: a retried grant only
 * leaves an unused etcd lease that expires by itself, a retried acquire recognises its own earlier
 * success by the owner id, and renew and release are compare-and-act on the owner id.
 */
public final class EtcdLeaseBackend implements LeaseBackend {
    private static final Logger log = LoggerFactory.getLogger(EtcdLeaseBackend.class);
    private static final Operation GRANT = Operation.idempotent("lease.grant");
    private static final Operation ACQUIRE = Operation.idempotent("lease.acquire");
    private static final Operation CLAIM_TICK = Operation.idempotent("lease.claimTick");
    private static final Operation CHECK = Operation.idempotent("lease.check");
    private static final Operation KEEP_ALIVE = Operation.idempotent("lease.keepAlive");
    private static final Operation RELEASE = Operation.idempotent("lease.release");
    private static final Operation REVOKE = Operation.idempotent("lease.revoke");
    private static final Operation HELD = Operation.read("lease.held");
    /** Reads per transaction, half of etcd's default {@code --max-txn-ops} (128). */
    static final int HELD_BATCH = 64;

    private final EtcdConnection connection;
    private final Guard guard;
    private final EtcdKeys keys;
    private final AtomicBoolean ttlRaisedLogged = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();

    /** Takes over one reference of {@code connection}, released by {@link #close()}. */
    public EtcdLeaseBackend(EtcdConnection connection, Guard guard, EtcdKeys keys) {
        this.connection = Objects.requireNonNull(connection, "connection");
        this.guard = Objects.requireNonNull(guard, "guard");
        this.keys = Objects.requireNonNull(keys, "keys");
    }

    /** Whole seconds, rounded up, at least 1: etcd lease TTLs are in seconds. */
    static long ttlSeconds(Duration ttl) {
        long millis = ttl.toMillis();
        return Math.max(1, (millis + 999) / 1000);
    }

    /** Grants a fresh etcd lease of at least {@code ttl} (whole seconds) and returns its id. */
    private long grant(Duration ttl) {
        long seconds = ttlSeconds(ttl);
        LeaseGrantResponse grant = guard.await(GRANT, () -> connection.lease().grant(seconds));
        noteGrantedTtl(seconds, grant.getTTL());
        return grant.getID();
    }

    @Override
    public OptionalLong acquire(String name, String owner, Duration ttl) {
        ByteSequence key = keys.leaseKey(name);
        ByteSequence value = EtcdKeys.bytes(owner);
        long leaseId = grant(ttl);
        TxnResponse txn;
        try {
            txn = guard.await(ACQUIRE, () -> connection.kv().txn()
                    .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                    .Then(Op.put(key, value, PutOption.builder().withLeaseId(leaseId).build()))
                    .Else(Op.get(key, GetOption.DEFAULT))
                    .commit());
        } catch (RuntimeException e) {
            // if the put did land, revoking deletes the key with the lease: nobody holds the name
            revokeInBackground(leaseId);
            throw e;
        }
        if (txn.isSucceeded()) {
            // the header revision of a write transaction is the revision it created: the key's create revision
            return OptionalLong.of(txn.getHeader().getRevision());
        }
        KeyValue held = firstKv(txn.getGetResponses());
        if (held != null && held.getValue().equals(value) && held.getLease() == leaseId) {
            return OptionalLong.of(held.getCreateRevision()); // a retried attempt that had already succeeded
        }
        revokeInBackground(leaseId);
        return OptionalLong.empty();
    }

    /**
     * One transaction: if the lease key is absent and the tick record is below {@code tick}, put
     * both (the lease key on a fresh etcd lease); else read both. etcd's value comparison is false
     * for a missing key, so the first claim of a name is made by a second transaction guarded by
     * "tick record absent" instead; a claim loses at most two such rounds to concurrent first
     * claims before it gives up. A retry whose first attempt landed finds the lease key holding
     * this owner and returns its create revision.
     */
    @Override
    public OptionalLong claimTick(String name, String owner, long tick, Duration ttl) {
        ByteSequence key = keys.leaseKey(name);
        ByteSequence tickKey = keys.leaseTickKey(name);
        ByteSequence value = EtcdKeys.bytes(owner);
        ByteSequence tickValue = EtcdKeys.tickValue(tick);
        long leaseId = grant(ttl);
        try {
            boolean recordExists = true;
            for (int round = 0; round < 3; round++) {
                Cmp tickBelow = recordExists
                        ? new Cmp(tickKey, Cmp.Op.LESS, CmpTarget.value(tickValue))
                        : new Cmp(tickKey, Cmp.Op.EQUAL, CmpTarget.createRevision(0));
                TxnResponse txn = guard.await(CLAIM_TICK, () -> connection.kv().txn()
                        .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0)), tickBelow)
                        .Then(Op.put(key, value, PutOption.builder().withLeaseId(leaseId).build()),
                                Op.put(tickKey, tickValue, PutOption.DEFAULT))
                        .Else(Op.get(key, GetOption.DEFAULT), Op.get(tickKey, GetOption.DEFAULT))
                        .commit());
                if (txn.isSucceeded()) {
                    // the header revision of a write transaction is the revision it created: the lease key's create revision
                    return OptionalLong.of(txn.getHeader().getRevision());
                }
                List<GetResponse> gets = txn.getGetResponses();
                KeyValue held = firstKv(gets.subList(0, Math.min(1, gets.size())));
                if (held != null) {
                    if (held.getValue().equals(value)) {
                        // this owner's claim (owner ids are unique per claim): a retried attempt that had already
                        // succeeded, in this call (same etcd lease) or an earlier one (whose etcd lease the key keeps)
                        if (held.getLease() != leaseId) {
                            revokeInBackground(leaseId);
                        }
                        return OptionalLong.of(held.getCreateRevision());
                    }
                    break; // another holder
                }
                KeyValue record = gets.size() < 2 ? null : firstKv(gets.subList(1, 2));
                if (record != null && !isBelow(record.getValue(), tickValue)) {
                    break; // this tick or a later one was claimed
                }
                recordExists = record != null; // the guess about the record was wrong, or it was just created
            }
        } catch (RuntimeException e) {
            // if the puts did land, revoking deletes the lease key with the lease; the tick stays claimed, unrun
            revokeInBackground(leaseId);
            throw e;
        }
        revokeInBackground(leaseId);
        return OptionalLong.empty();
    }

    @Override
    public boolean renew(String name, String owner, long token, Duration ttl) {
        ByteSequence key = keys.leaseKey(name);
        GetResponse get = guard.await(CHECK, () -> connection.kv().get(key));
        KeyValue kv = get.getKvs().isEmpty() ? null : get.getKvs().get(0);
        if (kv == null || !kv.getValue().equals(EtcdKeys.bytes(owner)) || kv.getCreateRevision() != token
                || kv.getLease() == 0) {
            return false;
        }
        long leaseId = kv.getLease();
        long ttlLeft = guard.await(KEEP_ALIVE, () -> connection.lease().keepAliveOnce(leaseId)
                .handle((response, error) -> {
                    if (error == null) {
                        return response.getTTL();
                    }
                    if (isLeaseNotFound(error)) {
                        return 0L;
                    }
                    throw error instanceof CompletionException ce ? ce : new CompletionException(error);
                }));
        return ttlLeft > 0;
    }

    @Override
    public void release(String name, String owner, long token) {
        ByteSequence key = keys.leaseKey(name);
        TxnResponse txn = guard.await(RELEASE, () -> connection.kv().txn()
                .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.value(EtcdKeys.bytes(owner))),
                        new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(token)))
                .Then(Op.delete(key, DeleteOption.builder().withPrevKV(true).build()))
                .commit());
        if (!txn.isSucceeded()) {
            return; // expired, or another holder's by now: not ours to touch
        }
        List<DeleteResponse> deletes = txn.getDeleteResponses();
        if (deletes.isEmpty() || deletes.get(0).getPrevKvs().isEmpty()) {
            return;
        }
        long leaseId = deletes.get(0).getPrevKvs().get(0).getLease();
        if (leaseId == 0) {
            return;
        }
        try {
            guard.await(REVOKE, () -> revoke(leaseId));
        } catch (RuntimeException e) {
            // the key is already gone; the unused etcd lease expires by itself
            log.debug("etcd: revoking lease {} of '{}' after release failed: {}", leaseId, name, e.toString());
        }
    }

    /** One read-only transaction of count-only gets per {@value #HELD_BATCH} names; a key lives as long as its etcd lease. */
    @Override
    public Set<String> held(List<String> names) {
        Set<String> held = new HashSet<>();
        GetOption countOnly = GetOption.builder().withCountOnly(true).build();
        for (int from = 0; from < names.size(); from += HELD_BATCH) {
            List<String> batch = names.subList(from, Math.min(names.size(), from + HELD_BATCH));
            Op[] reads = batch.stream().map(name -> Op.get(keys.leaseKey(name), countOnly)).toArray(Op[]::new);
            TxnResponse txn = guard.await(HELD, () -> connection.kv().txn().Then(reads).commit());
            List<GetResponse> gets = txn.getGetResponses();
            for (int i = 0; i < gets.size(); i++) {
                if (gets.get(i).getCount() > 0) {
                    held.add(batch.get(i));
                }
            }
        }
        return held;
    }

    @Override
    public String backendName() {
        return "etcd";
    }

    /** Releases this backend's reference to the shared connection. Idempotent. */
    @Override
    public void close() {
        connection.releaseOnce(closed);
    }

    @Override
    public String toString() {
        return "EtcdLeaseBackend[" + keys.leasePrefix() + "]";
    }

    private CompletableFuture<Boolean> revoke(long leaseId) {
        return connection.lease().revoke(leaseId).handle((r, error) -> {
            if (error == null || isLeaseNotFound(error)) {
                return Boolean.TRUE;
            }
            throw error instanceof CompletionException ce ? ce : new CompletionException(error);
        });
    }

    private void revokeInBackground(long leaseId) {
        guard.callAsync(REVOKE, () -> revoke(leaseId)).whenComplete((ok, error) -> {
            if (error != null) {
                log.debug("etcd: revoking unused lease {} failed (it expires by itself): {}", leaseId, error.toString());
            }
        });
    }

    private void noteGrantedTtl(long requested, long granted) {
        if (granted > requested && ttlRaisedLogged.compareAndSet(false, true)) {
            log.info("etcd granted a lease TTL of {} s for a requested {} s (etcd's minimum is 1.5 x its election "
                    + "timeout): holders still judge validity by the requested TTL, but a crashed holder's lease "
                    + "is free for others only after {} s", granted, requested, granted);
        }
    }

    private static KeyValue firstKv(List<GetResponse> responses) {
        if (responses.isEmpty() || responses.get(0).getKvs().isEmpty()) {
            return null;
        }
        return responses.get(0).getKvs().get(0);
    }

    /** Byte-wise, as etcd compares values. */
    private static boolean isBelow(ByteSequence stored, ByteSequence tickValue) {
        return Arrays.compareUnsigned(stored.getBytes(), tickValue.getBytes()) < 0;
    }

    static boolean isLeaseNotFound(Throwable error) {
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t instanceof EtcdException e && e.getErrorCode() == ErrorCode.NOT_FOUND
                && String.valueOf(e.getMessage()).contains("lease not found");
    }
}
