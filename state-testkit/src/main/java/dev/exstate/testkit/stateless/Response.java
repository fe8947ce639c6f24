package dev.exstate.testkit.stateless;

import dev.exstate.internal.Unicode;
import java.nio.charset.CharacterCodingException;
import java.util.Base64;
import java.util.Objects;

/**
 * What one request got back, as the {@link StatelessnessCheck} compares it.
 *
 * @param status the HTTP status, or {@code -1} if no answer arrived (see {@code error})
 * @param body   the body as UTF-8 text; a body that is not valid UTF-8 is shown as
 *               {@code base64:...}, so equal text always means equal bytes
 * @param error  why no answer arrived (timeout, connection refused, unresolved variable), or
 *               {@code null}
 */
public record Response(int status, String body, String error) {

    public Response {
        Objects.requireNonNull(body, "body");
    }

    /** A request that got no HTTP answer. */
    public static Response failed(String error) {
        return new Response(-1, "", Objects.requireNonNull(error, "error"));
    }

    static Response of(int status, byte[] bytes) {
        return new Response(status, text(bytes), null);
    }

    /** True if no HTTP answer arrived. */
    public boolean isError() {
        return error != null;
    }

    /** One line: {@code 200 {"items":["apple"]}}, the body shortened to {@code max} characters. */
    public String shortForm(int max) {
        if (isError()) {
            return "no answer: " + error;
        }
        String oneLine = body.replace("\r", "\\r").replace("\n", "\\n");
        if (oneLine.length() > max) {
            oneLine = oneLine.substring(0, Math.max(0, max - 1)) + "…";
        }
        return status + (oneLine.isEmpty() ? " (empty body)" : " " + oneLine);
    }

    @Override
    public String toString() {
        return shortForm(120);
    }

    private static String text(byte[] bytes) {
        try {
            return Unicode.decodeUtf8(bytes);
        } catch (CharacterCodingException e) {
            return "base64:" + Base64.getEncoder().encodeToString(bytes);
        }
    }
}
