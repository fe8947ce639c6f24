/**
 * Blobs on S3-compatible object storage: {@link dev.exstate.objectstore.S3BlobStore} (streaming,
 * multipart, conditional and content-addressed puts, every request through the guard), its
 * {@link dev.exstate.objectstore.S3Options}, and {@link dev.exstate.objectstore.TempFiles} for
 * files with an expiry. Everything under {@code dev.exstate.objectstore.internal} is not API.
 */
package dev.exstate.objectstore;
