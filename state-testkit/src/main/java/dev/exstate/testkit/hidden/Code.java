package dev.exstate.testkit.hidden;

import com.tngtech.archunit.core.domain.JavaAccess;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaFieldAccess;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.domain.JavaModifier;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/** What the rules recognise in code: kinds of types and classes, and writes to a field's contents. */
final class Code {
    static final String STATIC_INIT = "<clinit>";

    /** Types whose instances hold changing state: collections, maps, counters, caches. */
    private static final List<String> CONTAINERS = List.of(
            "java.util.Map", "java.util.Collection",
            "java.util.concurrent.atomic.AtomicInteger", "java.util.concurrent.atomic.AtomicLong",
            "java.util.concurrent.atomic.AtomicBoolean", "java.util.concurrent.atomic.AtomicReference",
            "java.util.concurrent.atomic.AtomicIntegerArray", "java.util.concurrent.atomic.AtomicLongArray",
            "java.util.concurrent.atomic.AtomicReferenceArray", "java.util.concurrent.atomic.Striped64",
            "java.util.BitSet");
    private static final List<String> CACHES = List.of(
            "com.github.benmanes.caffeine.cache.Cache", "com.github.benmanes.caffeine.cache.AsyncCache",
            "com.google.common.cache.Cache", "javax.cache.Cache");
    private static final List<String> MAPS = List.of("java.util.Map");
    /** Methods that change a container (a cache's {@code get} with a loader fills it). */
    private static final Pattern MUTATORS = Pattern.compile(
            "put|putAll|putIfAbsent|putFirst|putLast|remove|removeIf|removeAll|retainAll|clear|compute|computeIfAbsent"
            + "|computeIfPresent|merge|replace|replaceAll|add|addAll|addFirst|addLast|offer|offerFirst|offerLast"
            + "|push|pop|poll|pollFirst|pollLast|removeFirst|removeLast|sort|set|setAll|lazySet|setPlain|setOpaque"
            + "|setRelease|compareAndSet|compareAndExchange.*|weakCompareAndSet.*|getAndSet|getAndIncrement"
            + "|getAndDecrement|getAndAdd|incrementAndGet|decrementAndGet|addAndGet|getAndUpdate|updateAndGet"
            + "|getAndAccumulate|accumulateAndGet|increment|decrement|accumulate|reset|sumThenReset|flip|invalidate"
            + "|invalidateAll|refresh|getAndPut|getAndRemove|getAndReplace");
    private static final Pattern CACHE_LOADS = Pattern.compile("get|getAll");

    private static final List<String> SPRING_SINGLETONS = List.of(
            "org.springframework.stereotype.Component", "org.springframework.stereotype.Service",
            "org.springframework.stereotype.Repository", "org.springframework.stereotype.Controller",
            "org.springframework.web.bind.annotation.RestController",
            "org.springframework.context.annotation.Configuration",
            "jakarta.inject.Singleton", "javax.inject.Singleton", "jakarta.ejb.Singleton", "javax.ejb.Singleton",
            "jakarta.enterprise.context.ApplicationScoped", "javax.enterprise.context.ApplicationScoped");
    private static final List<String> HANDLER_TYPES = List.of(
            "com.sun.net.httpserver.HttpHandler", "jakarta.servlet.Servlet", "javax.servlet.Servlet",
            "jakarta.servlet.Filter", "javax.servlet.Filter",
            "org.springframework.web.servlet.HandlerInterceptor", "org.springframework.web.server.WebFilter",
            "org.springframework.web.reactive.function.server.HandlerFunction");
    private static final List<String> HANDLER_ANNOTATIONS = List.of(
            "org.springframework.stereotype.Controller", "org.springframework.web.bind.annotation.RestController",
            "jakarta.ws.rs.Path", "javax.ws.rs.Path", "jakarta.servlet.annotation.WebServlet",
            "javax.servlet.annotation.WebServlet");
    private static final List<String> REQUEST_TYPES = List.of(
            "com.sun.net.httpserver.HttpExchange", "jakarta.servlet.http.HttpServletRequest",
            "javax.servlet.http.HttpServletRequest", "jakarta.servlet.ServletRequest", "javax.servlet.ServletRequest",
            "org.springframework.http.server.reactive.ServerHttpRequest",
            "org.springframework.web.server.ServerWebExchange",
            "org.springframework.web.reactive.function.server.ServerRequest",
            "io.vertx.ext.web.RoutingContext", "io.javalin.http.Context");

    private Code() {
    }

    static boolean isStatic(JavaField f) {
        return f.getModifiers().contains(JavaModifier.STATIC);
    }

    static boolean isFinal(JavaField f) {
        return f.getModifiers().contains(JavaModifier.FINAL);
    }

    static boolean isSynthetic(JavaField f) {
        return f.getModifiers().contains(JavaModifier.SYNTHETIC) || f.getName().contains("$");
    }

    static boolean isStaticInit(JavaCodeUnit u) {
        return u.getName().equals(STATIC_INIT);
    }

    /** Code that runs once when the process starts: a static initialiser, or {@code static void main(String[])}. */
    static boolean isStartUp(JavaCodeUnit u) {
        return isStaticInit(u) || u.getName().equals("main") && u.getModifiers().contains(JavaModifier.STATIC)
                && u.getRawParameterTypes().size() == 1 && u.getRawParameterTypes().get(0).isEquivalentTo(String[].class);
    }

    /** Static initialiser and constructors: the code that runs while the object or class is set up. */
    static boolean isSetUp(JavaCodeUnit u, JavaClass owner) {
        return u.getOwner().equals(owner) && (isStaticInit(u) || u.isConstructor());
    }

    static boolean isContainer(JavaClass type) {
        return assignableToAny(type, CONTAINERS) || isCache(type);
    }

    static boolean isMapOrCache(JavaClass type) {
        return assignableToAny(type, MAPS) || isCache(type);
    }

    private static boolean isCache(JavaClass type) {
        return assignableToAny(type, CACHES);
    }

    static boolean assignableToAny(JavaClass type, List<String> names) {
        for (String n : names) {
            if (type.isAssignableTo(n)) {
                return true;
            }
        }
        return false;
    }

    static boolean annotatedWithAny(JavaClass c, List<String> names) {
        for (String n : names) {
            if (c.isAnnotatedWith(n) || c.isMetaAnnotatedWith(n)) {
                return true;
            }
        }
        return false;
    }

    /**
     * One instance per process by construction: an enum, a class holding a static instance of
     * itself, or a bean of a framework's singleton scope (Spring stereotypes, {@code @Singleton},
     * {@code @ApplicationScoped}; recognised by name, no framework needed on the classpath).
     */
    static boolean isSingleton(JavaClass c) {
        if (c.isEnum() || annotatedWithAny(c, SPRING_SINGLETONS)) {
            return true;
        }
        return c.getFields().stream().anyMatch(f -> isStatic(f) && f.getRawType().equals(c));
    }

    /**
     * Serves requests: implements a handler type (JDK {@code HttpHandler}, servlet, filter), is a
     * controller or JAX-RS resource, or declares a method taking a request type as a parameter.
     */
    static boolean handlesRequests(JavaClass c) {
        if (assignableToAny(c, HANDLER_TYPES) || annotatedWithAny(c, HANDLER_ANNOTATIONS)) {
            return true;
        }
        return c.getCodeUnits().stream()
                .flatMap(u -> u.getRawParameterTypes().stream())
                .anyMatch(t -> REQUEST_TYPES.contains(t.getName()));
    }

    /**
     * Where {@code field} or what it refers to is changed by code that {@code exempt} does not
     * cover: an assignment, or a mutator (put, add, incrementAndGet...) called on a container on
     * the same line as a read of the field. The line is the link: bytecode does not say which
     * object a call is made on, and the usual shape is {@code CACHE.put(k, v)} on one line. Sorted
     * by line, so the first is what a report points at.
     */
    static List<JavaAccess<?>> writes(JavaField field, Predicate<JavaCodeUnit> exempt) {
        boolean container = isContainer(field.getRawType());
        return field.getAccessesToSelf().stream()
                .filter(a -> !exempt.test(a.getOrigin()))
                .<JavaAccess<?>>flatMap(a -> {
                    if (a.getAccessType() == JavaFieldAccess.AccessType.SET) {
                        return java.util.stream.Stream.of(a);
                    }
                    return container ? mutatorOnLine(a).stream() : java.util.stream.Stream.empty();
                })
                .sorted(Comparator.comparing((JavaAccess<?> a) -> a.getOriginOwner().getName())
                        .thenComparingInt(JavaAccess::getLineNumber))
                .toList();
    }

    private static Optional<JavaMethodCall> mutatorOnLine(JavaFieldAccess read) {
        return read.getOrigin().getMethodCallsFromSelf().stream()
                .filter(c -> c.getLineNumber() == read.getLineNumber())
                .filter(c -> isMutator(c))
                .findFirst();
    }

    private static boolean isMutator(JavaMethodCall c) {
        JavaClass owner = c.getTargetOwner();
        String name = c.getName();
        if (isCache(owner)) {
            return MUTATORS.matcher(name).matches() || CACHE_LOADS.matcher(name).matches();
        }
        return MUTATORS.matcher(name).matches() && assignableToAny(owner, CONTAINERS);
    }

    /** Whether {@code unit} makes a thread: a counter it bumps names threads, which are per process anyway. */
    static boolean makesThreads(JavaCodeUnit unit) {
        return unit.getConstructorCallsFromSelf().stream().anyMatch(c -> c.getTargetOwner().isAssignableTo(Thread.class))
                || unit.getMethodCallsFromSelf().stream().anyMatch(c -> c.getTargetOwner().isAssignableTo(Thread.class)
                        && c.getName().equals("setName")
                        || c.getTargetOwner().getName().startsWith("java.lang.Thread$Builder") && c.getName().equals("name"));
    }

}
