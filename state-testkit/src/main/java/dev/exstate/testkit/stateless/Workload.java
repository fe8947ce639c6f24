package dev.exstate.testkit.stateless;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What the {@link StatelessnessCheck} sends: a list of virtual clients, each with its own steps,
 * cookies and captured variables. Immutable.
 *
 * <p>Clients are interleaved: step 0 of every client, then step 1 of every client, and so on;
 * step {@code i} of a client goes to replica {@code i % N}, so a client's consecutive requests land
 * on different replicas, as behind a round-robin load balancer without sticky sessions.
 *
 * @param clients the virtual clients, in the order their steps are interleaved
 */
public record Workload(List<Client> clients) {

    public Workload {
        clients = List.copyOf(clients);
        if (clients.isEmpty()) {
            throw new IllegalArgumentException("a workload needs at least one client");
        }
        Set<String> names = new HashSet<>();
        for (Client c : clients) {
            if (!names.add(c.name())) {
                throw new IllegalArgumentException("two clients are named '" + c.name() + "'");
            }
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Number of requests one run sends. */
    public int requestCount() {
        return clients.stream().mapToInt(c -> c.steps().size()).sum();
    }

    /** The most steps any client has. */
    int maxSteps() {
        return clients.stream().mapToInt(c -> c.steps().size()).max().orElse(0);
    }

    /**
     * One virtual client: a browser with its own cookie jar.
     *
     * @param name  shown in reports
     * @param steps its requests, in order
     */
    public record Client(String name, List<Step> steps) {
        public Client {
            Objects.requireNonNull(name, "name");
            steps = List.copyOf(steps);
            if (steps.isEmpty()) {
                throw new IllegalArgumentException("client '" + name + "' has no steps");
            }
        }
    }

    /** Builder for {@link Workload}. */
    public static final class Builder {
        private final List<Client> clients = new ArrayList<>();

        private Builder() {
        }

        public Builder client(String name, Step... steps) {
            return client(name, List.of(steps));
        }

        public Builder client(String name, List<Step> steps) {
            clients.add(new Client(name, steps));
            return this;
        }

        public Workload build() {
            return new Workload(clients);
        }
    }
}
