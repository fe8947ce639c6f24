/**
 * Implementation of exstate; not API. Types here are public only so other exstate modules can
 * use them; they may change or disappear in any release.
 *
 * <p>The checks every {@link dev.exstate.session.SessionStore} makes, and the report of sessions dropped unsaved.
 */
package dev.exstate.internal.session;
