package dev.exstate.config;

import java.time.Instant;
import java.util.List;

/**
 * The most recent snapshot a {@link ConfigSource} refused, and why.
 *
 * @param revision revision of the refused snapshot
 * @param problems what the validator said
 * @param at       when it was refused
 */
public record ConfigRejection(long revision, List<String> problems, Instant at) {
    public ConfigRejection {
        problems = List.copyOf(problems);
    }
}
