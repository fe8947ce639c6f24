/**
 * Implementation of exstate; not API. Types here are public only so other exstate modules can
 * use them; they may change or disappear in any release.
 *
 * <p>Helpers shared by the providers: redaction of secrets in messages, backoff, checks on names and Unicode, TLS files.
 */
package dev.exstate.internal;
