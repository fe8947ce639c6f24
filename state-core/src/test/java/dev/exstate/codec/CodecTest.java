package dev.exstate.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.jsontype.BasicPolymorphicTypeValidator;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("Codecs")
class CodecTest {

    public record Profile(String name, int age, List<String> roles, Map<String, Integer> scores) {
    }

    public record ProfileV1(String name, int age) {
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** What decoding json as a {@link Profile} throws. */
    private static CodecException profileDecodeError(String json) {
        return catchThrowableOfType(CodecException.class, () -> Codec.json(Profile.class).decode(utf8(json)));
    }

    /** The exception and every cause in its chain, as text, must not quote the stored bytes. */
    private static String fullText(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c).append('\n');
        }
        return sb.toString();
    }

    @Nested
    @DisplayName("bytes")
    class Bytes {

        @Test
        @DisplayName("round-trips and copies, so later changes to an array are not seen")
        void bytesAreCopied() {
            Codec<byte[]> codec = Codec.bytes();
            byte[] original = {1, 2, 3};

            byte[] encoded = codec.encode(original);
            original[0] = 9;
            byte[] decoded = codec.decode(encoded);
            encoded[1] = 9;

            assertThat(decoded).containsExactly(1, 2, 3);
            assertThat(codec.decode(new byte[0])).isEmpty();
        }
    }

    @Nested
    @DisplayName("UTF-8")
    class Utf8 {

        @Test
        @DisplayName("round-trips non-ASCII text")
        void roundTrips() {
            Codec<String> codec = Codec.utf8();
            for (String s : List.of("", "plain", "Grüße, 日本語, emoji \uD83D\uDE80")) {
                assertThat(codec.decode(codec.encode(s))).isEqualTo(s);
            }
            assertThat(codec.encode("é")).containsExactly(0xC3, 0xA9);
        }

        @Test
        @DisplayName("malformed input is rejected, not replaced")
        void malformedInputIsRejected() {
            byte[] malformed = {'o', 'k', (byte) 0xC3, (byte) 0x28};

            CodecException e = catchThrowableOfType(CodecException.class, () -> Codec.utf8().decode(malformed));

            assertThat(e).isInstanceOf(IllegalArgumentException.class);
            assertThat(e.getMessage()).contains("String").contains("not valid UTF-8").doesNotContain("ok");
        }

        @Test
        @DisplayName("a string with an unpaired surrogate cannot be encoded")
        void unpairedSurrogateIsRejected() {
            assertThatThrownBy(() -> Codec.utf8().encode("broken \uD83D"))
                    .isInstanceOf(CodecException.class)
                    .hasMessageContaining("unpaired surrogate");
        }
    }

    @Nested
    @DisplayName("longs")
    class Longs {

        @Test
        @DisplayName("are stored as decimal text a backend can increment")
        void decimalText() {
            Codec<Long> codec = Codec.longs();
            assertThat(codec.encode(-42L)).isEqualTo(utf8("-42"));
            for (long v : new long[] {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE}) {
                assertThat(codec.decode(codec.encode(v))).isEqualTo(v);
            }
            assertThat(codec.decode(utf8("17"))).isEqualTo(17L); // as written by INCR
        }

        @Test
        @DisplayName("non-numeric or out-of-range bytes are rejected without echoing them")
        void badBytesAreRejected() {
            for (String bad : List.of("", "-", "12a", " 12", "1.5", "s3cr3t", "99999999999999999999", "9223372036854775808")) {
                CodecException e = catchThrowableOfType(CodecException.class, () -> Codec.longs().decode(utf8(bad)));
                assertThat(e).as(bad).isNotNull();
                assertThat(e.getMessage()).contains("Long");
                if (!bad.isEmpty() && !bad.equals("-")) {
                    assertThat(fullText(e)).as(bad).doesNotContain(bad);
                }
            }
        }
    }

    @Nested
    @DisplayName("JSON")
    class Json {

        @Test
        @DisplayName("a record round-trips")
        void recordRoundTrips() {
            Codec<Profile> codec = Codec.json(Profile.class);
            Profile p = new Profile("Ada", 36, List.of("admin", "dev"), Map.of("chess", 3));

            assertThat(codec.decode(codec.encode(p))).isEqualTo(p);
        }

        @Test
        @DisplayName("unknown properties are ignored, so an older replica reads a newer one's values")
        void unknownFieldsAreTolerated() {
            Codec<Profile> newer = Codec.json(Profile.class);
            Codec<ProfileV1> older = Codec.json(ProfileV1.class);

            byte[] stored = newer.encode(new Profile("Ada", 36, List.of("admin"), Map.of()));

            assertThat(older.decode(stored)).isEqualTo(new ProfileV1("Ada", 36));
        }

        @Test
        @DisplayName("malformed JSON is a CodecException naming the type but not quoting the bytes")
        void malformedJsonIsRejected() {
            for (String bad : List.of("{\"name\": \"s3cr3t\"", "s3cr3t", "{\"name\":\"s3cr3t\"} s3cr3t", "")) {
                CodecException e = profileDecodeError(bad);
                assertThat(e).as(bad).isNotNull();
                assertThat(e.getMessage()).as(bad).contains(Profile.class.getName());
                assertThat(fullText(e)).as(bad).doesNotContain("s3cr3t");
            }
        }

        @Test
        @DisplayName("a value of the wrong type is rejected with its property path but not its value")
        void wrongValueTypeIsRejected() {
            CodecException e = profileDecodeError("{\"name\":\"Ada\",\"age\":\"s3cr3t\"}");

            assertThat(e.getMessage()).contains(Profile.class.getName()).contains("age");
            assertThat(fullText(e)).doesNotContain("s3cr3t");
        }

        @Test
        @DisplayName("map keys in an error path are treated as data and not shown")
        void mapKeysAreNotShown() {
            CodecException e = profileDecodeError("{\"scores\":{\"s3cr3t-key\":\"nope\"}}");

            assertThat(e.getMessage()).contains("scores");
            assertThat(fullText(e)).doesNotContain("s3cr3t").doesNotContain("nope");
        }

        @Test
        @DisplayName("JSON null is not a value")
        void jsonNullIsRejected() {
            assertThatThrownBy(() -> Codec.json(Profile.class).decode(utf8("null")))
                    .isInstanceOf(CodecException.class)
                    .hasMessageContaining("null");
        }

        @Test
        @DisplayName("a mapper with default typing is refused")
        void defaultTypingIsRefused() {
            ObjectMapper unsafe = new ObjectMapper()
                    .activateDefaultTyping(BasicPolymorphicTypeValidator.builder().allowIfBaseType(Object.class).build());

            assertThatThrownBy(() -> Codec.json(Profile.class, unsafe))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("default typing");
        }

        @Test
        @DisplayName("a caller's own mapper is used")
        void customMapper() {
            Codec<ProfileV1> codec = Codec.json(ProfileV1.class, new ObjectMapper());

            assertThat(codec.decode(utf8("{\"name\":\"Ada\",\"age\":36}"))).isEqualTo(new ProfileV1("Ada", 36));
            assertThatThrownBy(() -> codec.decode(utf8("{\"name\":\"Ada\",\"age\":36,\"extra\":1}")))
                    .as("a plain ObjectMapper fails on unknown properties; the caller chose it")
                    .isInstanceOf(CodecException.class);
        }
    }
}
