package dev.exstate.testkit.s3;

import java.util.Objects;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.domain.Blob;
import org.jclouds.blobstore.domain.BlobMetadata;
import org.jclouds.blobstore.options.PutOptions;
import org.jclouds.blobstore.util.ForwardingBlobStore;

/**
 * The backend as one request of s3proxy sees it, making a conditional PUT atomic as in S3.
 *
 * <p>s3proxy 3.0 handles {@code If-None-Match: *} and {@code If-Match} on a PUT by reading the
 * blob's metadata and then writing, in two steps, so two racing conditional PUTs can both
 * succeed. A new instance of this class is handed to every request (through s3proxy's blob store
 * locator): if the request read the metadata of the blob it then writes, the write re-checks,
 * under a lock per key, that the blob is still as the request saw it, and otherwise fails with
 * "PreconditionFailed", which s3proxy answers with 412. Every write of a key takes the same lock,
 * so a check and its write are never split by another write to the key.
 */
final class AtomicConditionalPuts extends ForwardingBlobStore {
    private static final Object[] LOCKS = new Object[256];

    static {
        for (int i = 0; i < LOCKS.length; i++) {
            LOCKS[i] = new Object();
        }
    }

    private String seenContainer;
    private String seenName;
    private String seenEtag;

    AtomicConditionalPuts(BlobStore backend) {
        super(backend);
    }

    @Override
    public BlobMetadata blobMetadata(String container, String name) {
        BlobMetadata m = super.blobMetadata(container, name);
        seenContainer = container;
        seenName = name;
        seenEtag = m == null ? null : unquote(m.getETag());
        return m;
    }

    @Override
    public String putBlob(String container, Blob blob) {
        synchronized (lockFor(container, blob.getMetadata().getName())) {
            recheck(container, blob.getMetadata().getName());
            return super.putBlob(container, blob);
        }
    }

    @Override
    public String putBlob(String container, Blob blob, PutOptions options) {
        synchronized (lockFor(container, blob.getMetadata().getName())) {
            recheck(container, blob.getMetadata().getName());
            return super.putBlob(container, blob, options);
        }
    }

    private void recheck(String container, String name) {
        if (!container.equals(seenContainer) || !name.equals(seenName)) {
            return; // this request did not look first: an unconditional write
        }
        BlobMetadata now = super.blobMetadata(container, name);
        String etag = now == null ? null : unquote(now.getETag());
        if (!Objects.equals(etag, seenEtag)) {
            throw new IllegalStateException("PreconditionFailed: blob " + name + " changed between the check and the write");
        }
    }

    private static Object lockFor(String container, String name) {
        return LOCKS[Math.floorMod(Objects.hash(container, name), LOCKS.length)];
    }

    private static String unquote(String etag) {
        return etag != null && etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"")
                ? etag.substring(1, etag.length() - 1) : etag;
    }
}
