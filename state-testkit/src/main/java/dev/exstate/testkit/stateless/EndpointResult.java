package dev.exstate.testkit.stateless;

import java.util.Objects;

/**
 * How one endpoint fared in a {@link StatelessnessCheck}.
 *
 * @param endpoint  method and path template, e.g. {@code POST /cart/items}
 * @param requests  requests sent to it by the replicas' run
 * @param differing how many of them got a different answer than the baseline
 */
public record EndpointResult(String endpoint, int requests, int differing) {
    public EndpointResult {
        Objects.requireNonNull(endpoint, "endpoint");
    }

    public boolean passed() {
        return differing == 0;
    }
}
