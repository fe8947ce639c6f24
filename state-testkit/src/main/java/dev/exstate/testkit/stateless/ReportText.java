package dev.exstate.testkit.stateless;

import java.util.List;

/** The parts the rendered reports of this package share. Not API. */
final class ReportText {
    private ReportText() {
    }

    /** {@code [PASS]} or {@code [FAIL]}, the head of an area's line. */
    static String verdict(boolean passed) {
        return passed ? "[PASS]" : "[FAIL]";
    }

    /** The hints, the notes and the result line that end a report. */
    static void end(StringBuilder out, List<String> hints, List<String> notes, boolean passed, String name) {
        if (!hints.isEmpty()) {
            out.append("\nHints:\n");
            hints.forEach(h -> out.append("  - ").append(h).append('\n'));
        }
        if (!notes.isEmpty()) {
            out.append("\nNotes:\n");
            notes.forEach(n -> out.append("  - ").append(n).append('\n'));
        }
        out.append("\nResult: ").append(passed ? "PASS" : "FAIL").append(" -- ").append(name).append('\n');
    }
}
