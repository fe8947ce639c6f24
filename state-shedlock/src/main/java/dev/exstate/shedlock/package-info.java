/**
 * A ShedLock {@link net.javacrumbs.shedlock.core.LockProvider} on exstate leases:
 * {@link dev.exstate.shedlock.ExstateLockProvider}.
 */
package dev.exstate.shedlock;
