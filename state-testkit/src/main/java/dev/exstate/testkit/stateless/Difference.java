package dev.exstate.testkit.stateless;

import java.util.Objects;

/**
 * A request whose answer from a replica of the checked group differs from the baseline's answer
 * to the same request.
 *
 * @param client   the virtual client's name
 * @param step     the step's index in the client's steps (0-based)
 * @param replica  the index of the replica that answered ({@code step % N})
 * @param endpoint the step's method and path template, e.g. {@code GET /files/{{fileId}}}
 * @param request  the request as sent, e.g. {@code GET /files/9f86d0...}
 * @param expected the baseline's answer (after body normalization)
 * @param actual   the replica's answer (after body normalization)
 */
public record Difference(String client, int step, int replica, String endpoint, String request,
                         Response expected, Response actual) {

    public Difference {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(expected, "expected");
        Objects.requireNonNull(actual, "actual");
    }

    /** How the answers differ, for a hint on the likely cause. */
    public enum Kind {
        /** One side got no HTTP answer (timeout, refused connection). */
        NO_ANSWER,
        /** Different HTTP status, e.g. 404 on the replica that did not handle the upload. */
        STATUS,
        /** Same status, different body. */
        BODY
    }

    public Kind kind() {
        if (expected.isError() || actual.isError()) {
            return Kind.NO_ANSWER;
        }
        return expected.status() != actual.status() ? Kind.STATUS : Kind.BODY;
    }

    /** The request path without method, e.g. {@code /files/9f86d0...}. */
    public String path() {
        int space = request.indexOf(' ');
        return space < 0 ? request : request.substring(space + 1);
    }

    /** One line: who, where, what differed. */
    public String summary() {
        return "client " + client + " step " + step + " on replica " + replica + ": " + request
                + " -> expected " + expected.shortForm(40) + ", got " + actual.shortForm(40);
    }

    @Override
    public String toString() {
        return summary();
    }
}
