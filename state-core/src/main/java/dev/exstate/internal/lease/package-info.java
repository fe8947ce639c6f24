/**
 * Implementation of exstate; not API. Types here are public only so other exstate modules can
 * use them; they may change or disappear in any release.
 *
 * <p>The engines behind {@link dev.exstate.lease.spi.LeaseManager} and {@link dev.exstate.lease.LeasedScheduler}.
 */
package dev.exstate.internal.lease;
