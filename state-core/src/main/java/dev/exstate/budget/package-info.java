/**
 * A cluster-wide connection budget: one limit per resource ("orders-db: 100 connections") shared
 * by every replica of a service, each replica sizing its pool to the permits it holds.
 * See {@link dev.exstate.budget.ConnectionBudget}.
 */
package dev.exstate.budget;
