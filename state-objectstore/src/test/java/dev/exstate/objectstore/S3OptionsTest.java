package dev.exstate.objectstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.exstate.testkit.contract.StartupChecks;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayName("S3Options")
class S3OptionsTest {

    private static S3Options.Builder valid() {
        return S3Options.builder().endpoint("http://127.0.0.1:9000").credentials("AKIAEXAMPLE", "s3cr3t-value").bucket("my-bucket");
    }

    @Test
    @DisplayName("empty, short, long and malformed bucket names are rejected with InvalidBucketNameException")
    void badBucketNames() {
        List<String> bad = List.of("", "ab", "a".repeat(64), "My-Bucket", "under_score", "-start", "end-", "two..dots",
                "192.168.1.10", "with space", "ünï");
        for (String name : bad) {
            assertThatThrownBy(() -> valid().bucket(name).build()).as("bucket '%s'", name)
                    .isInstanceOf(InvalidBucketNameException.class)
                    .hasMessageContaining("bucket name");
        }
        assertThatThrownBy(() -> valid().bucket(null).build()).isInstanceOf(InvalidBucketNameException.class);
        assertThat(valid().bucket("abc").build().bucket()).isEqualTo("abc");
        assertThat(valid().bucket("logs.example-1").build().bucket()).isEqualTo("logs.example-1");
    }

    @Test
    @DisplayName("the endpoint must be http(s)://host[:port], and a URL with user info is refused without echoing it")
    void endpoints() {
        assertThatThrownBy(() -> valid().endpoint((URI) null)).isInstanceOf(NullPointerException.class).hasMessage("endpoint");
        assertThatThrownBy(() -> S3Options.builder().bucket("my-bucket").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("S3 endpoint must be given");
        assertThatThrownBy(() -> valid().endpoint("ftp://host").build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> valid().endpoint("http://host:9000/bucket").build()).hasMessageContaining("without path");
        assertThatThrownBy(() -> valid().endpoint("https://user:hunter2@host").build())
                .isInstanceOf(IllegalArgumentException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
        assertThat(valid().endpoint("https://s3.eu-west-1.amazonaws.com/").build().endpoint())
                .isEqualTo(URI.create("https://s3.eu-west-1.amazonaws.com"));
    }

    @Test
    @DisplayName("part size, parts in flight and credentials are validated")
    void limits() {
        assertThatThrownBy(() -> valid().partSize(S3Options.MIN_PART_SIZE - 1).build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> valid().partsInFlight(0).build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> valid().credentials("only-access-key", null).build()).isInstanceOf(IllegalArgumentException.class);
        S3Options anonymous = valid().credentials(null, null).build();
        assertThat(anonymous.hasCredentials()).isFalse();
        S3Options defaults = valid().build();
        assertThat(defaults.partSize()).isEqualTo(8 * 1024 * 1024);
        assertThat(defaults.partsInFlight()).isEqualTo(2);
        assertThat(defaults.maxUploadBufferBytes()).isEqualTo(24L * 1024 * 1024);
        assertThat(defaults.region()).isEqualTo("us-east-1");
    }

    @Test
    @DisplayName("credentials never appear in toString")
    void masked() {
        S3Options options = valid().build();

        assertThat(options.toString()).doesNotContain("AKIAEXAMPLE").doesNotContain("s3cr3t-value").contains("****");
        assertThat(options.toBuilder().build()).isEqualTo(options);
    }

    @Test
    @DisplayName("building a store makes no request, and its factory uses the runtime's guard")
    void storeFromOptions() {
        S3Options options = valid().build();
        try (S3BlobStore store = S3BlobStore.connect(options)) {
            assertThat(store.guard().stats().calls()).isZero();
            assertThat(store.toString()).doesNotContain("s3cr3t-value");
            assertThat(store.presignGet("a/b.txt", java.time.Duration.ofMinutes(1)).toString())
                    .startsWith("http://127.0.0.1:9000/my-bucket/a/b.txt?")
                    .doesNotContain("s3cr3t-value");
        }
    }

    @Test
    @DisplayName("an endpoint that hides credentials where URI sees no user info is refused without showing them")
    void credentialsNeverEchoed() {
        for (String url : new String[] {"http://app:p@ssw0rd@host:9000", "https://ak:se/cret@s3.example", "http://app:p@ssw0rd@",
            "http://app:p@ssw0rd@host:9000/bucket?x=1"}) {
            assertThatThrownBy(() -> valid().endpoint(url).build())
                    .as(url)
                    .isInstanceOf(IllegalArgumentException.class)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("ssw0rd").doesNotContain("cret").doesNotContain("p@"));
        }
    }

    @Test
    @DisplayName("timeouts beyond their bounds are refused with IllegalArgumentException, not overflowed later")
    void timeoutBounds() {
        for (Duration bad : new Duration[] {Duration.ZERO, Duration.ofNanos(1), Duration.ofSeconds(-1), Duration.ofSeconds(Long.MAX_VALUE),
            Duration.ofDays(365)}) {
            assertThatThrownBy(() -> valid().connectTimeout(bad).build()).as("connect %s", bad)
                    .isExactlyInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> valid().readTimeout(bad).build()).as("read %s", bad)
                    .isExactlyInstanceOf(IllegalArgumentException.class);
        }
        assertThat(valid().connectTimeout(S3Options.MAX_CONNECT_TIMEOUT).readTimeout(S3Options.MAX_READ_TIMEOUT).build().readTimeout())
                .isEqualTo(Duration.ofHours(1));
    }

    @Test
    @DisplayName("credentials and a region that would break the signed headers (CR, LF, spaces, non-ASCII) are refused without echoing secrets")
    void headerValuesChecked() {
        assertThatThrownBy(() -> valid().credentials("AKIA\r\nX-Injected: yes", "secret").build())
                .isInstanceOf(IllegalArgumentException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("AKIA").doesNotContain("Injected"));
        assertThatThrownBy(() -> valid().credentials("AKIA", "se cret\u00e9").build())
                .isInstanceOf(IllegalArgumentException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("se cret"));
        assertThatThrownBy(() -> valid().region("eu-west-1\r\nX: y").build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> valid().region("r".repeat(65)).build()).isInstanceOf(IllegalArgumentException.class);
        assertThat(valid().region("garage").build().region()).isEqualTo("garage");
    }

    @Test
    @DisplayName("trustCertificates needs an https endpoint and survives toBuilder")
    void trustCertificates() {
        Path ca = Path.of("/etc/exstate/ca.pem");
        assertThatThrownBy(() -> valid().trustCertificates(ca).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("https://");
        S3Options https = valid().endpoint("https://s3.internal:9000").trustCertificates(ca).build();
        assertThat(https.trustCertificates()).isEqualTo(ca);
        assertThat(https.toBuilder().build()).isEqualTo(https);
        assertThat(https.toString()).contains("trustCertificates=" + ca).doesNotContain("s3cr3t-value");
        assertThat(valid().build().trustCertificates()).isNull();
    }

    /** A row of {@link #badSettings()}: a setter call and the exact message it is refused with. */
    private static Arguments badSetting(UnaryOperator<S3Options.Builder> setting, String message) {
        return Arguments.of(setting, message);
    }

    static Stream<Arguments> badSettings() {
        return Stream.of(
                badSetting(b -> b.partSize(S3Options.MAX_PART_SIZE + 1),
                        "partSize must be between 5242880 (5 MiB) and 1073741824 (1 GiB) bytes, was 1073741825"),
                badSetting(b -> b.partsInFlight(17), "partsInFlight must be between 1 and 16, was 17"),
                badSetting(b -> b.connectTimeout(Duration.ofMinutes(6)),
                        "connectTimeout must be between 1 ms and PT5M, was PT6M"),
                badSetting(b -> b.readTimeout(Duration.ZERO), "readTimeout must be between 1 ms and PT1H, was PT0S"),
                badSetting(b -> b.maxConnections(0), "maxConnections must be between 1 and 1024, was 0"),
                badSetting(b -> b.maxConnections(1025), "maxConnections must be between 1 and 1024, was 1025"),
                badSetting(b -> b.startupTimeout(Duration.ofSeconds(-1)),
                        "startupTimeout must be between 0 and PT1H, was PT-1S"),
                badSetting(b -> b.startupTimeout(Duration.ofSeconds(Long.MAX_VALUE)),
                        "startupTimeout must be between 0 and PT1H, was PT2562047788015215H30M7S"),
                badSetting(b -> b.guardName(" "), "guardName must not be blank"),
                badSetting(b -> b.region("eu west"),
                        "S3 region must be 1 to 64 printable ASCII characters without spaces, was 'eu west'"),
                badSetting(b -> b.credentials("AK", null),
                        "S3 access key and secret key must be given together (or neither, for anonymous access)"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("badSettings")
    @DisplayName("every setter refuses an out-of-range value at once, naming the setting, the value and the range")
    void settersRefuseAtOnce(UnaryOperator<S3Options.Builder> setting, String message) {
        S3Options.Builder b = valid();
        assertThatThrownBy(() -> setting.apply(b)).isExactlyInstanceOf(IllegalArgumentException.class).hasMessage(message);
        assertThat(b.build()).as("a refused value leaves the builder as it was").isEqualTo(valid().build());
        assertThatThrownBy(() -> b.bucket("Bad_Name")).isInstanceOf(InvalidBucketNameException.class);
        assertThatThrownBy(() -> b.guardPolicy(null)).isInstanceOf(NullPointerException.class).hasMessage("guardPolicy");
    }

    @Test
    @DisplayName("the secret key is in no accessor, equals, hashCode or toString, and toBuilder keeps it")
    void secretKeyIsNeverShown() {
        String secret = "s3cr3t-value";
        S3Options o = valid().endpoint("https://s3.internal:9000").trustCertificates(Path.of("ca.pem")).region("garage")
                .partsInFlight(4).maxConnections(8).autoCreateBucket(true).build();
        S3Options other = o.toBuilder().credentials("AKIAEXAMPLE", "another-secret").build();

        assertThat(o).isEqualTo(other).hasSameHashCodeAs(other)
                .isNotEqualTo(o.toBuilder().credentials("AKIAOTHER", secret).build())
                .isNotEqualTo(o.toBuilder().credentials(null, null).build());
        assertThat(o.toBuilder().build()).isEqualTo(o);
        assertThat(o.toBuilder().build().secretKey()).as("toBuilder carries the secret key").isEqualTo(secret);
        assertThat(o.toString()).doesNotContain(secret).doesNotContain("AKIAEXAMPLE").contains("credentials=****");
        StartupChecks.assertAccessorsShowNoSecret(o, secret);
    }
}
