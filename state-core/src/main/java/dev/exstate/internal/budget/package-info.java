/**
 * Implementation of exstate; not API. Types here are public only so other exstate modules can
 * use them; they may change or disappear in any release.
 *
 * <p>The engine behind {@link dev.exstate.budget.ConnectionBudget}.
 */
package dev.exstate.internal.budget;
