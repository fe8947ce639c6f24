package dev.exstate.runtime;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks state that belongs to one process on purpose, so the hidden-state rules of
 * {@code state-testkit} ({@code dev.exstate.testkit.hidden.HiddenStateRules}) do not report it:
 *
 * <pre>{@code
 * @ProcessLocal("names this replica's threads; thread names are per process by nature")
 * private static final AtomicInteger THREAD_IDS = new AtomicInteger();
 * }</pre>
 *
 * <p>On a field it excuses that field; on a method or constructor, what its body does; on a
 * class, everything the class and its nested classes declare and do; on a package (in its
 * {@code package-info.java}), every class of that package, for code that never runs as a
 * replica, such as a test harness. The reason is mandatory and
 * must not be blank (the rules report a blank one): it is what a reviewer reads to judge whether
 * the state really may differ between replicas. It has no effect at run time.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.PACKAGE, ElementType.TYPE, ElementType.FIELD, ElementType.METHOD, ElementType.CONSTRUCTOR})
public @interface ProcessLocal {

    /** Why this state may differ between replicas without harm. */
    String value();
}
