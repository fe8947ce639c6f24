/**
 * Implementation of exstate; not API. Types here are public only so other exstate modules can
 * use them; they may change or disappear in any release.
 *
 * <p>The first connection to a backend, retried within a start-up budget.
 */
package dev.exstate.internal.startup;
