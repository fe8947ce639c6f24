package dev.exstate.blob;

import java.util.List;
import java.util.Optional;

/**
 * One page of a listing, in key order.
 *
 * @param items             blobs on this page
 * @param continuationToken pass to the next {@link BlobStore#list} call; {@code null} on the last page
 */
public record BlobPage(List<BlobInfo> items, String continuationToken) {
    public BlobPage {
        items = List.copyOf(items);
    }

    public Optional<String> next() {
        return Optional.ofNullable(continuationToken);
    }
}
