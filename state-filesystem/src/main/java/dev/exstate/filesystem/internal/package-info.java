/**
 * Implementation of exstate; not API. Types here are public only so other exstate modules can
 * use them; they may change or disappear in any release.
 *
 * <p>Key-to-path mapping, file format, per-key lock files and the engine behind
 * {@link dev.exstate.filesystem.FileSystemBlobStore}.
 */
@ProcessLocal("the BlobStore on a shared volume: its files live on the mount every replica shares, "
        + "which is what the local-files rule asks for; the os.name read is a fact of the process")
package dev.exstate.filesystem.internal;

import dev.exstate.runtime.ProcessLocal;
