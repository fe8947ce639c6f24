/**
 * Blobs on a directory that several replicas mount (NFS, EFS, a Kubernetes volume):
 * {@link dev.exstate.filesystem.FileSystemBlobStore} and its
 * {@link dev.exstate.filesystem.FileSystemOptions}. Everything under
 * {@code dev.exstate.filesystem.internal} is not API.
 */
package dev.exstate.filesystem;
