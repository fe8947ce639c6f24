/**
 * Redis providers: {@link dev.exstate.redis.RedisSessionStore} (sessions as hashes, delta saves,
 * atomic compute, sliding TTL, near cache kept honest by RESP3 client tracking, or pub/sub on older servers) and
 * {@link dev.exstate.redis.RedisLeaseProvider} (leases with fencing tokens), both made by one
 * {@link dev.exstate.redis.RedisState} per replica from {@link dev.exstate.redis.RedisOptions}.
 * Standalone, Sentinel and Cluster deployments are supported; every call goes through one
 * {@link dev.exstate.guard.Guard}. Everything in {@code dev.exstate.redis.internal} may change
 * without notice.
 */
package dev.exstate.redis;
