package dev.exstate.testkit.hidden;

import com.tngtech.archunit.core.domain.JavaAnnotation;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaMember;
import java.util.Map;
import java.util.Optional;

/**
 * Decides whether a finding is excused: by {@code @ProcessLocal} on the member, the class, an
 * enclosing class or the package, or by an allow-list entry naming the class ({@code com.acme.Legacy}) or a member
 * ({@code com.acme.Legacy#cache}).
 */
final class Escapes {
    static final String PROCESS_LOCAL = "dev.exstate.runtime.ProcessLocal";

    /** What the escapes say about one finding. */
    enum Verdict { REPORT, EXCUSED, BLANK_REASON }

    private final Map<String, String> allowed; // target -> reason

    Escapes(Map<String, String> allowed) {
        this.allowed = Map.copyOf(allowed);
    }

    /** The verdict for a finding about {@code members} (a field, the code doing it; may be empty) of {@code owner}. */
    Verdict verdict(JavaClass owner, JavaMember... members) {
        for (JavaMember m : members) {
            if (m == null) {
                continue;
            }
            Verdict v = annotated(m);
            if (v != Verdict.REPORT) {
                return v;
            }
            if (allowed.containsKey(m.getOwner().getName() + "#" + m.getName())) {
                return Verdict.EXCUSED;
            }
        }
        for (Optional<JavaClass> c = Optional.of(owner); c.isPresent(); c = c.get().getEnclosingClass()) {
            Verdict v = annotated(c.get());
            if (v != Verdict.REPORT) {
                return v;
            }
            if (allowed.containsKey(c.get().getName())) {
                return Verdict.EXCUSED;
            }
            Optional<? extends JavaMember> declaredIn = c.get().getEnclosingCodeUnit();
            if (declaredIn.isPresent()) {
                v = annotated(declaredIn.get());
                if (v != Verdict.REPORT) {
                    return v;
                }
            }
        }
        return packageVerdict(owner);
    }

    private static Verdict packageVerdict(JavaClass owner) {
        return reasonVerdict(owner.getPackage().tryGetAnnotationOfType(PROCESS_LOCAL));
    }

    private static Verdict annotated(JavaMember member) {
        return reasonVerdict(member.tryGetAnnotationOfType(PROCESS_LOCAL));
    }

    private static Verdict annotated(JavaClass c) {
        return reasonVerdict(c.tryGetAnnotationOfType(PROCESS_LOCAL));
    }

    private static Verdict reasonVerdict(Optional<? extends JavaAnnotation<?>> annotation) {
        if (annotation.isEmpty()) {
            return Verdict.REPORT;
        }
        Object reason = annotation.get().get("value").orElse(null);
        return reason instanceof String s && !s.isBlank() ? Verdict.EXCUSED : Verdict.BLANK_REASON;
    }
}
