package dev.exstate.testkit.hidden;

import com.tngtech.archunit.core.domain.JavaAnnotation;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.properties.CanBeAnnotated;
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
        if (!owner.getPackage().isAnnotatedWith(PROCESS_LOCAL)) {
            return Verdict.REPORT;
        }
        Object reason = owner.getPackage().getAnnotationOfType(PROCESS_LOCAL).get("value").orElse(null);
        return reason instanceof String s && !s.isBlank() ? Verdict.EXCUSED : Verdict.BLANK_REASON;
    }

    private static Verdict annotated(CanBeAnnotated element) {
        if (!element.isAnnotatedWith(PROCESS_LOCAL)) {
            return Verdict.REPORT;
        }
        JavaAnnotation<?> a = annotation(element);
        Object reason = a == null ? null : a.get("value").orElse(null);
        return reason instanceof String s && !s.isBlank() ? Verdict.EXCUSED : Verdict.BLANK_REASON;
    }

    private static JavaAnnotation<?> annotation(CanBeAnnotated element) {
        if (element instanceof JavaMember m) {
            return m.getAnnotationOfType(PROCESS_LOCAL);
        }
        if (element instanceof JavaClass c) {
            return c.getAnnotationOfType(PROCESS_LOCAL);
        }
        return null;
    }
}
