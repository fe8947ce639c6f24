package dev.exstate.blob;

/**
 * Bytes one {@link BlobStore} moved for this replica since it was created. A snapshot.
 *
 * @param bytesUploaded   content bytes of puts that succeeded (a failed or refused put counts nothing)
 * @param bytesDownloaded content bytes callers read from blobs this store returned, as they read
 *                        them (a blob closed half-read counts the half)
 */
public record BlobStats(long bytesUploaded, long bytesDownloaded) {
}
