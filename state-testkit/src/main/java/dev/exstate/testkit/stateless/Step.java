package dev.exstate.testkit.stateless;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One HTTP request of a virtual client in a {@link Workload}. Immutable.
 *
 * <p>The path, header values and text bodies may refer to a value captured from an earlier
 * response of the same client as {@code {{name}}}: {@code Step.post("/files", bytes).capture("fileId", "[0-9a-f]{64}")}
 * then {@code Step.get("/files/{{fileId}}")}. A step that refers to a variable no earlier response
 * captured is not sent; it is recorded as failed.
 *
 * @param method   the HTTP method
 * @param path     path and query, starting with {@code /}; may contain {@code {{variables}}}
 * @param headers  request headers (case kept; a later {@link #header} replaces one of the same name)
 * @param body     the request body; empty for none
 * @param textBody whether the body is text, so {@code {{variables}}} in it are replaced
 * @param captures what to capture from this step's response body
 */
public record Step(String method, String path, Map<String, String> headers, byte[] body, boolean textBody,
                   List<Capture> captures) {

    private static final String TEXT = "text/plain; charset=UTF-8";
    private static final String BINARY = "application/octet-stream";

    public Step {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("step path must start with '/': " + path);
        }
        method = method.toUpperCase(Locale.ROOT);
        headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
        body = body == null ? new byte[0] : body.clone();
        captures = List.copyOf(captures);
    }

    public static Step get(String path) {
        return new Step("GET", path, Map.of(), null, false, List.of());
    }

    public static Step delete(String path) {
        return new Step("DELETE", path, Map.of(), null, false, List.of());
    }

    /** A POST with a UTF-8 text body ({@code text/plain}); {@code {{variables}}} in it are replaced. */
    public static Step post(String path, String body) {
        return withBody("POST", path, body.getBytes(StandardCharsets.UTF_8), true, TEXT);
    }

    /** A POST with a raw body ({@code application/octet-stream}), sent as is. */
    public static Step post(String path, byte[] body) {
        return withBody("POST", path, body, false, BINARY);
    }

    /** A PUT with a UTF-8 text body ({@code text/plain}); {@code {{variables}}} in it are replaced. */
    public static Step put(String path, String body) {
        return withBody("PUT", path, body.getBytes(StandardCharsets.UTF_8), true, TEXT);
    }

    /** A PUT with a raw body ({@code application/octet-stream}), sent as is. */
    public static Step put(String path, byte[] body) {
        return withBody("PUT", path, body, false, BINARY);
    }

    /** A {@code multipart/form-data} POST with one file part named {@code field}. */
    public static Step multipart(String path, String field, String fileName, String contentType, byte[] content) {
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(fileName, "fileName");
        // fixed boundary: the same step must send the same bytes to every replica
        String boundary = "exstate-statelessness-boundary";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String head = "--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"" + field + "\"; filename=\"" + fileName + "\"\r\n"
                + "Content-Type: " + (contentType == null ? BINARY : contentType) + "\r\n\r\n";
        out.writeBytes(head.getBytes(StandardCharsets.UTF_8));
        out.writeBytes(content);
        out.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return withBody("POST", path, out.toByteArray(), false, "multipart/form-data; boundary=" + boundary);
    }

    private static Step withBody(String method, String path, byte[] body, boolean text, String contentType) {
        Objects.requireNonNull(body, "body");
        return new Step(method, path, Map.of("Content-Type", contentType), body, text, List.of());
    }

    /** This step with a request header; replaces a header of the same name (ignoring case). */
    public Step header(String name, String value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.keySet().removeIf(k -> k.equalsIgnoreCase(name));
        h.put(name, value);
        return new Step(method, path, h, body, textBody, captures);
    }

    /**
     * This step, also capturing {@code variable} from its response body with {@code regex}: group 1
     * if the pattern has a group, else the whole match. Later steps of the same client use it as
     * {@code {{variable}}}.
     */
    public Step capture(String variable, String regex) {
        List<Capture> c = new ArrayList<>(captures);
        c.add(new Capture(variable, Pattern.compile(regex)));
        return new Step(method, path, headers, body, textBody, c);
    }

    /** A copy of the body. */
    @Override
    public byte[] body() {
        return body.clone();
    }

    /** {@code METHOD path}, e.g. {@code GET /files/{{fileId}}}: the endpoint reports group by. */
    public String endpoint() {
        int q = path.indexOf('?');
        return method + " " + (q < 0 ? path : path.substring(0, q));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Step s && method.equals(s.method) && path.equals(s.path) && headers.equals(s.headers)
                && java.util.Arrays.equals(body, s.body) && textBody == s.textBody && captures.equals(s.captures);
    }

    @Override
    public int hashCode() {
        return Objects.hash(method, path, headers, java.util.Arrays.hashCode(body), textBody, captures);
    }

    @Override
    public String toString() {
        return method + " " + path + (body.length == 0 ? "" : " (" + body.length + " bytes)");
    }

    /**
     * A value to take from a response body.
     *
     * @param variable the name later steps use as {@code {{variable}}}
     * @param pattern  searched (not matched) in the body
     */
    public record Capture(String variable, Pattern pattern) {
        private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");

        public Capture {
            Objects.requireNonNull(variable, "variable");
            Objects.requireNonNull(pattern, "pattern");
            if (!NAME.matcher(variable).matches()) {
                throw new IllegalArgumentException("capture variable must match " + NAME + ": " + variable);
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Capture c && variable.equals(c.variable) && pattern.pattern().equals(c.pattern.pattern());
        }

        @Override
        public int hashCode() {
            return Objects.hash(variable, pattern.pattern());
        }
    }
}
