package dev.exstate.bomcheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.Version;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * What this build resolved: the exstate jars as named modules, one Netty, and each library the
 * providers run on at the version expected here. The expected version is exstate-bom's (read from
 * {@code bom/pom.xml}, system property {@code bomcheck.bom}) unless the build says another BOM
 * imported first wins for it ({@code bomcheck.expect.<bom property>}, e.g.
 * {@code bomcheck.expect.lettuce.version} in the Spring Boot build).
 */
@DisplayName("the resolved class path")
class ClasspathIT {

    /** A library, named by the exstate-bom property holding its version, and classes from each of its jars. */
    private record Library(String versionProperty, List<String> classes) {
        Library(String versionProperty, String... classes) {
            this(versionProperty, List.of(classes));
        }
    }

    private static final List<Library> LIBRARIES = List.of(
            new Library("lettuce.version", "io.lettuce.core.RedisClient"),
            new Library("netty.version", "io.netty.util.Version", "io.netty.buffer.ByteBuf",
                    "io.netty.channel.Channel", "io.netty.handler.ssl.SslContext",
                    "io.netty.handler.codec.http2.Http2Connection", "io.netty.resolver.dns.DnsNameResolver"),
            new Library("grpc.version", "io.grpc.ManagedChannel", "io.grpc.internal.GrpcUtil",
                    "io.grpc.netty.NettyChannelBuilder", "io.grpc.stub.StreamObserver", "io.grpc.protobuf.ProtoUtils"),
            new Library("protobuf.version", "com.google.protobuf.Message"),
            new Library("guava.version", "com.google.common.collect.ImmutableList"),
            new Library("jetcd.version", "io.etcd.jetcd.Client"),
            new Library("minio.version", "io.minio.MinioAsyncClient"),
            new Library("okhttp.version", "okhttp3.OkHttpClient"),
            new Library("kotlin-stdlib.version", "kotlin.Unit"),
            new Library("jackson.version", "com.fasterxml.jackson.databind.ObjectMapper",
                    "com.fasterxml.jackson.core.JsonFactory"),
            new Library("caffeine.version", "com.github.benmanes.caffeine.cache.Caffeine"),
            new Library("resilience4j.version", "io.github.resilience4j.circuitbreaker.CircuitBreaker",
                    "io.github.resilience4j.bulkhead.Bulkhead"),
            new Library("hikaricp.version", "com.zaxxer.hikari.HikariDataSource"),
            new Library("slf4j.version", "org.slf4j.Logger"),
            new Library("junit.version", "org.junit.jupiter.api.Test"));

    /** One class of each published exstate jar, and the module name the jar must carry. */
    private static final Map<String, String> EXSTATE_MODULES = Map.of(
            "dev.exstate.core", "dev.exstate.session.SessionStore",
            "dev.exstate.testkit", "dev.exstate.testkit.contract.SessionStoreContract",
            "dev.exstate.redis", "dev.exstate.redis.RedisState",
            "dev.exstate.etcd", "dev.exstate.etcd.EtcdState",
            "dev.exstate.objectstore", "dev.exstate.objectstore.S3BlobStore",
            "dev.exstate.filesystem", "dev.exstate.filesystem.FileSystemBlobStore",
            "dev.exstate.hikari", "dev.exstate.hikari.BudgetedHikariPool");

    @Test
    @DisplayName("every exstate jar is an automatic module with its stable name, and no two share a package")
    void exstateJarsAreNamedModules() {
        Map<String, Path> jars = new LinkedHashMap<>();
        EXSTATE_MODULES.forEach((name, className) -> jars.put(name, jarOf(className)));
        ModuleFinder finder = ModuleFinder.of(jars.values().toArray(Path[]::new));

        Map<String, ModuleDescriptor> found = finder.findAll().stream()
                .map(ModuleReference::descriptor)
                .collect(Collectors.toMap(ModuleDescriptor::name, d -> d));
        assertThat(found.keySet()).as("module names of %s", jars.values())
                .containsExactlyInAnyOrderElementsOf(EXSTATE_MODULES.keySet());
        found.values().forEach(d -> assertThat(d.isAutomatic()).as(d.name()).isTrue());

        Set<String> seen = new HashSet<>();
        for (ModuleDescriptor d : found.values()) {
            for (String p : d.packages()) {
                assertThat(seen.add(p)).as("package %s is in %s and another exstate jar", p, d.name()).isTrue();
            }
        }
        Configuration resolved = ModuleLayer.boot().configuration()
                .resolve(finder, ModuleFinder.of(), EXSTATE_MODULES.keySet());
        assertThat(resolved.modules()).hasSize(EXSTATE_MODULES.size());
    }

    @Test
    @DisplayName("all Netty jars have one version (mixed 4.1/4.2 jars fail at run time)")
    void oneNetty() {
        Set<String> versions = Version.identify().values().stream()
                .filter(v -> !v.artifactId().startsWith("netty-tcnative"))
                .map(Version::artifactVersion)
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(versions).as("Netty artifacts: %s", Version.identify().keySet()).hasSize(1);
    }

    @Test
    @DisplayName("each library the providers run on is at the expected version, in every one of its jars")
    void librariesAtExpectedVersions() {
        Map<String, String> bom = bomProperties();
        List<String> wrong = new ArrayList<>();
        for (Library library : LIBRARIES) {
            String expected = System.getProperty("bomcheck.expect." + library.versionProperty(),
                    bom.get(library.versionProperty()));
            assertThat(expected).as("exstate-bom has no property %s", library.versionProperty()).isNotNull();
            for (String className : library.classes()) {
                Path jar = jarOf(className);
                String actual = jar.getParent().getFileName().toString(); // <repo>/<group>/<artifact>/<version>/x.jar
                if (!actual.equals(expected)) {
                    wrong.add(className + " from " + jar.getFileName() + " (" + library.versionProperty() + " = "
                            + expected + ")");
                }
            }
        }
        assertThat(wrong).as("classes from a jar at an unexpected version").isEmpty();
    }

    private static Path jarOf(String className) {
        try {
            Class<?> type = Class.forName(className, false, ClasspathIT.class.getClassLoader());
            Path location = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
            assertThat(Files.isRegularFile(location))
                    .as("%s comes from %s, not a jar: run the check with 'verify'", className, location)
                    .isTrue();
            return location;
        } catch (ClassNotFoundException e) {
            throw new AssertionError(className + " is not on the class path", e);
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    /** The {@code <properties>} of exstate-bom's pom. */
    private static Map<String, String> bomProperties() {
        Path pom = Path.of(System.getProperty("bomcheck.bom", "../../bom/pom.xml"));
        try {
            Element root = DocumentBuilderFactory.newDefaultInstance().newDocumentBuilder()
                    .parse(pom.toFile()).getDocumentElement();
            Map<String, String> properties = new LinkedHashMap<>();
            Node props = root.getElementsByTagName("properties").item(0);
            for (Node n = props.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element e) {
                    properties.put(e.getTagName(), e.getTextContent().trim());
                }
            }
            return properties;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + pom.toAbsolutePath(), e);
        } catch (Exception e) {
            throw new AssertionError("cannot parse " + pom.toAbsolutePath(), e);
        }
    }
}
