package dev.exstate.examples.k8s;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Every Kubernetes object in the YAML files under {@code examples/k8s} (multi-document files
 * included), read with SnakeYAML's safe constructor, with the few look-ups the manifest test and
 * the footprint harness need.
 */
public final class K8sManifests {
    private final Path dir;
    private final List<Doc> docs;

    /** One object and the file it came from. */
    public record Doc(Path file, Map<String, Object> body) {
        public String kind() {
            return String.valueOf(body.get("kind"));
        }

        public String name() {
            return String.valueOf(map(body, "metadata").get("name"));
        }

        @Override
        public String toString() {
            return kind() + " " + name() + " (" + file.getFileName() + ")";
        }
    }

    private K8sManifests(Path dir, List<Doc> docs) {
        this.dir = dir;
        this.docs = List.copyOf(docs);
    }

    /** {@code examples/k8s} seen from the working directory: the module (tests) or the repository root. */
    public static Path defaultDir() {
        for (Path p : List.of(Path.of("k8s"), Path.of("examples", "k8s"))) {
            if (Files.isDirectory(p)) {
                return p;
            }
        }
        throw new IllegalStateException("no k8s/ or examples/k8s/ under " + Path.of("").toAbsolutePath());
    }

    /** Parses every {@code .yaml}/{@code .yml} file under {@code dir}; a file that does not parse fails here. */
    public static K8sManifests load(Path dir) {
        List<Doc> docs = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList()) {
                Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
                try (Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
                    for (Object o : yaml.loadAll(r)) {
                        if (o == null) {
                            continue; // an empty document between two ---
                        }
                        if (!(o instanceof Map<?, ?> m)) {
                            throw new IllegalStateException(f + ": a document is not a mapping: " + o);
                        }
                        docs.add(new Doc(f, cast(m)));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new K8sManifests(dir, docs);
    }

    public Path dir() {
        return dir;
    }

    public List<Doc> all() {
        return docs;
    }

    public List<Doc> ofKind(String kind) {
        return docs.stream().filter(d -> d.kind().equals(kind)).toList();
    }

    /** The one object of {@code kind} named {@code name}. */
    public Doc get(String kind, String name) {
        List<Doc> found = docs.stream().filter(d -> d.kind().equals(kind) && d.name().equals(name)).toList();
        if (found.size() != 1) {
            throw new IllegalStateException(found.size() + " " + kind + " named " + name + " under " + dir + ", expected 1");
        }
        return found.get(0);
    }

    /** The shop's Deployment. */
    public Doc shopDeployment() {
        return get("Deployment", "shop");
    }

    /** The container named {@code name} of a workload's pod template. */
    public static Map<String, Object> container(Doc workload, String name) {
        return containers(workload).stream().filter(c -> name.equals(c.get("name"))).findFirst()
                .orElseThrow(() -> new IllegalStateException(workload + " has no container " + name));
    }

    public static List<Map<String, Object>> containers(Doc workload) {
        return list(map(podSpec(workload), "spec"), "containers");
    }

    /** The pod template of a Deployment or StatefulSet. */
    public static Map<String, Object> podSpec(Doc workload) {
        return map(map(workload.body(), "spec"), "template");
    }

    /** A plain {@code value:} environment variable of a container. */
    public static Optional<String> env(Map<String, Object> container, String name) {
        for (Map<String, Object> e : list(container, "env")) {
            if (name.equals(e.get("name")) && e.get("value") != null) {
                return Optional.of(String.valueOf(e.get("value")));
            }
        }
        return Optional.empty();
    }

    /** A memory quantity ({@code 512Mi}, {@code 1Gi}, {@code 500M}, {@code 1000000}) in bytes. */
    public static long bytes(Object quantity) {
        String q = String.valueOf(Objects.requireNonNull(quantity, "quantity")).strip();
        String[][] units = {{"Ki", "1024"}, {"Mi", "1048576"}, {"Gi", "1073741824"}, {"k", "1000"}, {"M", "1000000"}, {"G", "1000000000"}};
        for (String[] u : units) {
            if (q.endsWith(u[0])) {
                return new BigDecimal(q.substring(0, q.length() - u[0].length())).multiply(new BigDecimal(u[1])).longValueExact();
            }
        }
        return new BigDecimal(q).longValueExact();
    }

    /** A CPU quantity ({@code 500m}, {@code 1}, {@code 1.5}) in millicores. */
    public static long millicores(Object quantity) {
        String q = String.valueOf(Objects.requireNonNull(quantity, "quantity")).strip();
        if (q.endsWith("m")) {
            return Long.parseLong(q.substring(0, q.length() - 1));
        }
        return new BigDecimal(q).multiply(BigDecimal.valueOf(1000)).setScale(0, RoundingMode.UNNECESSARY).longValueExact();
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> map(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof Map)) {
            throw new IllegalStateException("'" + key + "' is missing or not a mapping in " + m.keySet());
        }
        return (Map<String, Object>) v;
    }

    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> list(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List)) {
            throw new IllegalStateException("'" + key + "' is not a list");
        }
        return (List<Map<String, Object>>) v;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }
}
