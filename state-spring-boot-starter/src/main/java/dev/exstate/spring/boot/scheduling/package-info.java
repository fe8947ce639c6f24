/**
 * One replica per tick for Spring's {@code @Scheduled} methods ({@link dev.exstate.spring.boot.scheduling.Leased},
 * {@link dev.exstate.spring.boot.scheduling.LeasedRun}) and a ShedLock lock provider on exstate
 * leases, each with its auto-configuration. Classes not public here are implementation.
 */
package dev.exstate.spring.boot.scheduling;
