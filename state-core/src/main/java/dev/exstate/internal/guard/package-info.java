/**
 * Implementation of exstate; not API. Types here are public only so other exstate modules can
 * use them; they may change or disappear in any release.
 *
 * <p>The engine behind {@link dev.exstate.guard.Guard}: breaker, bulkhead, retries, timers.
 */
package dev.exstate.internal.guard;
