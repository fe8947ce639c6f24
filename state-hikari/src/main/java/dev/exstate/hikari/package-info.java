/**
 * A HikariCP pool sized by a cluster-wide {@link dev.exstate.budget.ConnectionBudget}: see
 * {@link dev.exstate.hikari.BudgetedHikariPool}.
 */
package dev.exstate.hikari;
