/**
 * Build-time rules that find state a service keeps in its own process: {@link
 * dev.exstate.testkit.hidden.HiddenStateRules}. The other types here are not API.
 */
package dev.exstate.testkit.hidden;
