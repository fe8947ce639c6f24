/**
 * Implementation of exstate; not API. Types here are public only so other exstate modules can
 * use them; they may change or disappear in any release.
 *
 * <p>Key-to-path mapping, file format, per-key lock files and the engine behind
 * {@link dev.exstate.filesystem.FileSystemBlobStore}.
 */
package dev.exstate.filesystem.internal;
