/**
 * Implementation of exstate; not API. Types here are public only so other exstate modules can
 * use them; they may change or disappear in any release.
 *
 * <p>S3 client, uploads, checksums and error mapping behind {@link dev.exstate.objectstore.S3BlobStore}.
 */
package dev.exstate.objectstore.internal;
