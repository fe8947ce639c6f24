/**
 * Implementation of exstate; not API. Types here are public only so other exstate modules can
 * use them; they may change or disappear in any release.
 *
 * <p>Connections, keys, Lua scripts, client tracking and engines behind {@link dev.exstate.redis.RedisState}.
 */
package dev.exstate.redis.internal;
