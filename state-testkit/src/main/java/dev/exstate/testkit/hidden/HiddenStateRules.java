package dev.exstate.testkit.hidden;

import com.tngtech.archunit.core.domain.JavaAccess;
import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaFieldAccess;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.domain.properties.HasSourceCodeLocation;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.CompositeArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.lang.syntax.ArchRuleDefinition;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * ArchUnit rules that find state a service keeps in its own process, which breaks as soon as a
 * second replica serves the same users. Add one test class:
 *
 * <pre>{@code
 * @AnalyzeClasses(packages = "com.acme.shop", importOptions = ImportOption.DoNotIncludeTests.class)
 * class NoHiddenStateTest {
 *     @ArchTest
 *     static final ArchRule noHiddenState = HiddenStateRules.standard().all();
 * }
 * }</pre>
 *
 * <p>Every violation names the class, the member and the source line, what is wrong, and the
 * exstate replacement. The rules, each usable alone:
 * <ul>
 *   <li>{@link #staticMutableState()}: statics assigned after start-up, static collections, maps,
 *       atomics and caches changed after start-up, and the same in singletons;</li>
 *   <li>{@link #timersOnEveryReplica()}: {@code java.util.Timer}, recurring
 *       {@code ScheduledExecutorService} or Spring {@code TaskScheduler} jobs, {@code @Scheduled}
 *       without {@code @Leased} or {@code @SchedulerLock};</li>
 *   <li>{@link #localFiles()}: temp files and directories, file writes, reads of {@code java.io.tmpdir};</li>
 *   <li>{@link #sessionsInProcessMaps()}: maps and caches filled while serving, in classes that
 *       handle requests or in fields named for sessions, users or carts;</li>
 *   <li>{@link #configReadOnce()}: {@code System.getenv}/{@code getProperty} in a static
 *       initialiser, stored in a static field, or stored in a field of a singleton; settings
 *       looked up in a map by a request handler's constructor and kept in a field;</li>
 *   <li>{@link #clientsPerRequest()}: Redis, HTTP, database, S3 and etcd clients built outside
 *       constructors, static initialisers and factory methods;</li>
 *   <li>{@link #unboundedPools()}: {@code Executors.newCachedThreadPool} and
 *       {@code ThreadPoolExecutor}s whose class uses {@code Integer.MAX_VALUE}.</li>
 * </ul>
 *
 * <p>Escapes: {@code @dev.exstate.runtime.ProcessLocal("reason")} (state-core) on the field, the
 * method or constructor, or the class; or an allow-list entry with a reason for code that cannot
 * be annotated ({@link Builder#allow}). The rules are static analysis of bytecode: what they
 * cannot see (data flow across methods, call arguments other than literals, who calls a factory)
 * is listed per rule. Instances are immutable and thread-safe.
 */
public final class HiddenStateRules {
    private static final String PROCESS_LOCAL_HINT = "If it is meant to be per process, annotate it"
            + " @ProcessLocal(\"why\").";
    private static final Pattern PER_USER_NAME = Pattern.compile(
            "(?i)session|user|cart|basket|login|visitor|customer|principal");
    /** Field types a setting is kept in, besides primitives and maps. */
    private static final Set<String> SETTING_TYPES = Set.of(
            "java.lang.String", "java.lang.Integer", "java.lang.Long", "java.lang.Boolean", "java.lang.Double",
            "java.time.Duration", "java.nio.file.Path", "java.net.URI", "java.net.URL", "java.io.File");
    private static final Set<String> ENV_READS = Set.of(
            "java.lang.System.getenv", "java.lang.System.getProperty", "java.lang.Integer.getInteger",
            "java.lang.Long.getLong", "java.lang.Boolean.getBoolean");
    /** Lookups of a setting in a map of settings ({@code Map.get}, {@code Properties.getProperty}...). */
    private static final Set<String> SETTING_LOOKUPS = Set.of("get", "getOrDefault", "getProperty");
    /** How each client type is built: "owner.method" ("owner.<init>" for a constructor). */
    private static final Set<String> CLIENT_CREATIONS = Set.of(
            "io.lettuce.core.RedisClient.create", "io.lettuce.core.RedisClient.<init>",
            "io.lettuce.core.cluster.RedisClusterClient.create",
            "java.net.http.HttpClient.newHttpClient", "java.net.http.HttpClient$Builder.build",
            "com.zaxxer.hikari.HikariDataSource.<init>", "java.sql.DriverManager.getConnection",
            "okhttp3.OkHttpClient.<init>", "okhttp3.OkHttpClient$Builder.build",
            "io.minio.MinioClient$Builder.build", "io.minio.MinioAsyncClient$Builder.build",
            "io.etcd.jetcd.ClientBuilder.build",
            "redis.clients.jedis.Jedis.<init>", "redis.clients.jedis.JedisPool.<init>",
            "redis.clients.jedis.JedisPooled.<init>", "redis.clients.jedis.UnifiedJedis.<init>",
            "org.apache.http.impl.client.HttpClients.createDefault",
            "org.apache.http.impl.client.HttpClientBuilder.build",
            "org.apache.hc.client5.http.impl.classic.HttpClients.createDefault",
            "org.apache.hc.client5.http.impl.classic.HttpClientBuilder.build",
            "software.amazon.awssdk.services.s3.S3Client.create",
            "software.amazon.awssdk.services.s3.S3ClientBuilder.build",
            "com.mongodb.client.MongoClients.create");
    private static final Pattern FACTORY_NAME = Pattern.compile("main|(create|new|build|connect|open|start|init|of|from|make)([A-Z].*)?");
    private static final List<String> FACTORY_ANNOTATIONS = List.of(
            "org.springframework.context.annotation.Bean", "jakarta.annotation.PostConstruct",
            "javax.annotation.PostConstruct", "jakarta.enterprise.inject.Produces", "javax.enterprise.inject.Produces");
    private static final Set<String> FILE_WRITES = Set.of(
            "java.io.File.createTempFile", "java.nio.file.Files.createTempFile",
            "java.nio.file.Files.createTempDirectory", "java.nio.file.Files.write", "java.nio.file.Files.writeString",
            "java.nio.file.Files.newOutputStream", "java.nio.file.Files.newBufferedWriter",
            "java.nio.file.Files.createFile", "java.nio.file.Files.move",
            "java.io.FileOutputStream.<init>", "java.io.FileWriter.<init>", "java.io.RandomAccessFile.<init>",
            "org.apache.commons.io.FileUtils.getTempDirectory", "org.apache.commons.io.FileUtils.getTempDirectoryPath",
            "org.apache.commons.io.FileUtils.writeByteArrayToFile", "org.apache.commons.io.FileUtils.writeStringToFile",
            "org.apache.commons.io.FileUtils.writeLines", "org.apache.commons.io.FileUtils.copyInputStreamToFile",
            "org.springframework.web.multipart.MultipartFile.transferTo");
    /** Writers whose constructor opens a file when its first parameter is a file or a file name. */
    private static final Set<String> FILE_NAME_WRITERS = Set.of(
            "java.io.PrintWriter", "java.io.PrintStream", "java.util.Formatter");
    private static final String SCHEDULED = "org.springframework.scheduling.annotation.Scheduled";
    private static final String SCHEDULES = "org.springframework.scheduling.annotation.Schedules";
    private static final List<String> LEASED_MARKERS = List.of(
            "dev.exstate.spring.boot.scheduling.Leased", "net.javacrumbs.shedlock.spring.annotation.SchedulerLock",
            "net.javacrumbs.shedlock.core.SchedulerLock");

    private static final String USE_BACKEND = "keep what replicas share in a backend: SessionStore for per-user data,"
            + " ConfigSource for settings, BlobStore for files, a Redis counter or a NearCache for shared reads";
    private static final String USE_SCHEDULER = "use LeasedScheduler (runtime.scheduler()), or @Leased on the"
            + " @Scheduled method with exstate's starter, so that one replica runs each tick";
    private static final String USE_BLOBS = "use BlobStore (runtime.blobs()), or TempFiles (state-objectstore) for"
            + " files with an expiry, so that any replica can read what one wrote";
    private static final String USE_SESSIONS = "keep sessions and per-user data in SessionStore (runtime.sessions())";
    private static final String USE_CONFIG = "read settings through ConfigSource (runtime.config()), which every"
            + " replica watches, and look the value up when it is used";
    private static final String USE_ONE_CLIENT = "create the client once when the service starts (in the"
            + " StateRuntime or a constructor) and share it; it pools its own connections";
    private static final String USE_BOUNDED_POOL = "use a bounded pool: a ThreadPoolExecutor with a maximum size and"
            + " a bounded queue, sized for the replica's share of the load";

    private final Escapes escapes;

    private HiddenStateRules(Map<String, String> allowed) {
        this.escapes = new Escapes(allowed);
    }

    /** The rules with no allow-list (only {@code @ProcessLocal} excuses a finding). */
    public static HiddenStateRules standard() {
        return new HiddenStateRules(Map.of());
    }

    /** A builder, to add allow-list entries for code that cannot carry {@code @ProcessLocal}. */
    public static Builder builder() {
        return new Builder();
    }

    /** Every rule below as one rule; its report lists the violations of each. */
    public ArchRule all() {
        return CompositeArchRule.of(List.of(staticMutableState(), timersOnEveryReplica(), localFiles(),
                sessionsInProcessMaps(), configReadOnce(), clientsPerRequest(), unboundedPools()))
                .as("no hidden state in the process");
    }

    /**
     * Static fields assigned outside the static initialiser and {@code main}; static collections,
     * maps, atomics, adders and caches changed outside them ({@code put}, {@code add}, {@code incrementAndGet}... on
     * the line that reads the field); and the same containers in singletons (enums, classes
     * holding a static instance of themselves, Spring, CDI or JSR-330 singletons by annotation
     * name) changed outside constructors. Constants ({@code static final List.of(..)},
     * {@code Pattern}, loggers) pass, and so do counters used only to name threads.
     * Not seen: a static container passed to another method that changes it.
     */
    public ArchRule staticMutableState() {
        return rule("no static mutable state", USE_BACKEND, this::findStaticState);
    }

    /**
     * {@code java.util.Timer} scheduling; {@code scheduleAtFixedRate}/{@code scheduleWithFixedDelay}
     * on a {@code ScheduledExecutorService} (any implementation) or a Spring {@code TaskScheduler};
     * methods annotated {@code @Scheduled} (by name, no Spring needed) without exstate's
     * {@code @Leased} or ShedLock's {@code @SchedulerLock}. One-shot {@code schedule(task, delay)}
     * calls (timeouts, retries) are not jobs and pass.
     */
    public ArchRule timersOnEveryReplica() {
        return rule("no timers that run on every replica", USE_SCHEDULER, this::findTimers);
    }

    /**
     * Temp files and directories ({@code File.createTempFile}, {@code Files.createTemp*}), file
     * writes ({@code FileOutputStream}, {@code FileWriter}, {@code RandomAccessFile},
     * {@code PrintWriter}/{@code PrintStream} on a file name, {@code Files.write*},
     * {@code Files.newOutputStream}/{@code newBufferedWriter}/{@code createFile}/{@code move},
     * commons-io writes, {@code MultipartFile.transferTo}), and {@code System.getProperty} in a
     * class whose constants include {@code "java.io.tmpdir"}. Which path is written is not known
     * statically, so every local write is reported, absolute or relative.
     */
    public ArchRule localFiles() {
        return rule("no state in local files", USE_BLOBS, this::findFiles);
    }

    /**
     * Instance fields of a {@code Map} or cache type (Caffeine, Guava, JCache) that are changed
     * outside constructors, in a class that serves requests (a JDK {@code HttpHandler}, servlet or
     * filter, a Spring controller or JAX-RS resource, or a class with a method taking a request
     * type such as {@code HttpExchange} or {@code HttpServletRequest}), or whose field name
     * mentions a session, user, cart, basket, login, visitor, customer or principal. Not seen: per-user
     * data in lists or in a field of another class. Static maps are {@link #staticMutableState()}'s.
     */
    public ArchRule sessionsInProcessMaps() {
        return rule("no sessions or per-user data in process maps", USE_SESSIONS, this::findSessionMaps);
    }

    /**
     * {@code System.getenv}, {@code System.getProperty}, {@code Integer.getInteger},
     * {@code Long.getLong} and {@code Boolean.getBoolean} called in a static initialiser, in code
     * that assigns a static field of its class, or in a singleton's code that assigns one of its
     * fields, where that field can hold a setting (a string, number, boolean, map, {@code Duration},
     * {@code Path}, {@code URI}...); and a setting looked up in a map ({@code Map.get},
     * {@code getOrDefault}, {@code Properties.getProperty}) by the constructor of a class that
     * serves requests and kept in such a field. Not seen: a value handed to another object that
     * keeps it, or settings read from a map by a class that does not serve requests.
     */
    public ArchRule configReadOnce() {
        return rule("no config read once into a field", USE_CONFIG, this::findConfigReadOnce);
    }

    /**
     * Lettuce {@code RedisClient}, {@code java.net.http.HttpClient}, {@code HikariDataSource},
     * {@code DriverManager.getConnection}, OkHttp, MinIO, jetcd, Jedis, Apache HttpClient, AWS S3
     * and MongoDB clients created in code that is not set-up code: constructors, static
     * initialisers, {@code main}, methods annotated {@code @Bean}/{@code @PostConstruct}/{@code @Produces},
     * methods named like factories ({@code create*}, {@code new*}, {@code build*},
     * {@code connect*}, {@code open*}, {@code start*}, {@code init*}, {@code of*}, {@code from*},
     * {@code make*}), and methods returning the client or an {@code AutoCloseable} owner of it.
     * Not seen: a factory method called for every request.
     */
    public ArchRule clientsPerRequest() {
        return rule("no clients created per request", USE_ONE_CLIENT, this::findClientsPerRequest);
    }

    /**
     * {@code Executors.newCachedThreadPool} (a thread per concurrent task, no maximum), and
     * {@code new ThreadPoolExecutor(..)} in a class whose constants include
     * {@code Integer.MAX_VALUE} (arguments are not visible in bytecode analysis, so the class is
     * the unit). Not reported: fixed pools' unbounded queues.
     */
    public ArchRule unboundedPools() {
        return rule("no unbounded thread pools", USE_BOUNDED_POOL, this::findUnboundedPools);
    }

    // ---- the findings

    private void findStaticState(JavaClass c, Reporter r) {
        boolean singleton = Code.isSingleton(c);
        boolean perUserElsewhere = Code.handlesRequests(c);
        for (JavaField f : c.getFields()) {
            if (Code.isSynthetic(f)) {
                continue;
            }
            if (Code.isStatic(f)) {
                List<JavaAccess<?>> writes = r.unexcused(c, f,
                        Code.writes(f, u -> Code.isStartUp(u) && u.getOwner().equals(c)));
                boolean container = Code.isContainer(f.getRawType());
                if (writes.isEmpty() || container && writes.stream().allMatch(a -> Code.makesThreads(a.getOrigin()))) {
                    continue;
                }
                String what = Code.isFinal(f) || container
                        ? "static field " + name(f) + " (" + f.getRawType().getSimpleName() + ") is changed after start-up"
                        : "static field " + name(f) + " is assigned after start-up";
                r.report(writes.get(0), what + where(writes) + ": each replica holds its own copy", c, f,
                        writes.get(0).getOrigin());
            } else if (singleton && Code.isContainer(f.getRawType())
                    && !(Code.isMapOrCache(f.getRawType()) && (perUserElsewhere || PER_USER_NAME.matcher(f.getName()).find()))) {
                List<JavaAccess<?>> writes = r.unexcused(c, f, Code.writes(f, u -> Code.isSetUp(u, c)));
                if (!writes.isEmpty()) {
                    r.report(writes.get(0), "field " + name(f) + " (" + f.getRawType().getSimpleName()
                            + ") of a singleton is changed while serving" + where(writes)
                            + ": a cache or counter each replica fills on its own", c, f, writes.get(0).getOrigin());
                }
            }
        }
    }

    private void findTimers(JavaClass c, Reporter r) {
        for (JavaCodeUnit u : c.getCodeUnits()) {
            for (JavaMethodCall call : u.getMethodCallsFromSelf()) {
                JavaClass owner = call.getTargetOwner();
                String m = call.getName();
                boolean recurring = m.equals("scheduleAtFixedRate") || m.equals("scheduleWithFixedDelay");
                String what = null;
                if (owner.isAssignableTo("java.util.Timer") && m.startsWith("schedule")) {
                    what = "java.util.Timer." + m;
                } else if (recurring && owner.isAssignableTo("java.util.concurrent.ScheduledExecutorService")) {
                    what = "ScheduledExecutorService." + m;
                } else if (owner.isAssignableTo("org.springframework.scheduling.TaskScheduler") && (recurring
                        || m.equals("schedule") && call.getTarget().getRawParameterTypes().stream()
                        .anyMatch(t -> t.getName().equals("org.springframework.scheduling.Trigger")))) {
                    what = "TaskScheduler." + m;
                }
                if (what != null) {
                    r.report(call, name(u) + " schedules a job with " + what + ": every replica runs every tick", c, u);
                }
            }
            boolean scheduled = annotated(u, List.of(SCHEDULED, SCHEDULES));
            if (scheduled && !annotated(u, LEASED_MARKERS)) {
                r.report(u, name(u) + " is @Scheduled without @Leased: every replica runs every tick", c, u);
            }
        }
    }

    private void findFiles(JavaClass c, Reporter r) {
        ClassFileConstants constants = null;
        for (JavaCodeUnit u : c.getCodeUnits()) {
            for (JavaCall<?> call : u.getCallsFromSelf()) {
                String target = call.getTargetOwner().getName() + "." + call.getName();
                if (FILE_WRITES.contains(target) || FILE_NAME_WRITERS.contains(call.getTargetOwner().getName())
                        && call.getName().equals("<init>") && opensFile(call)) {
                    r.report(call, name(u) + " calls " + shortName(call) + ": a file on this replica's disk,"
                            + " which other replicas cannot read and which is gone when the replica is", c, u);
                } else if (target.equals("java.lang.System.getProperty")) {
                    constants = constants != null ? constants : ClassFileConstants.of(c);
                    if (constants.strings().contains("java.io.tmpdir")) {
                        r.report(call, name(u) + " reads a system property and the class names java.io.tmpdir:"
                                + " files under this replica's temp directory", c, u);
                    }
                }
            }
        }
    }

    private void findSessionMaps(JavaClass c, Reporter r) {
        boolean handler = Code.handlesRequests(c);
        for (JavaField f : c.getFields()) {
            if (Code.isStatic(f) || Code.isSynthetic(f) || !Code.isMapOrCache(f.getRawType())) {
                continue;
            }
            boolean named = PER_USER_NAME.matcher(f.getName()).find();
            if (!handler && !named) {
                continue;
            }
            List<JavaAccess<?>> writes = r.unexcused(c, f, Code.writes(f, u -> Code.isSetUp(u, c)));
            if (!writes.isEmpty()) {
                String why = handler ? "in a class that serves requests" : "named for per-user data";
                r.report(writes.get(0), "field " + name(f) + " (" + f.getRawType().getSimpleName() + ", " + why
                        + ") is filled while serving" + where(writes)
                        + ": the next request may reach a replica that does not have it", c, f, writes.get(0).getOrigin());
            }
        }
    }

    private void findConfigReadOnce(JavaClass c, Reporter r) {
        boolean singleton = Code.isSingleton(c);
        boolean handler = Code.handlesRequests(c);
        for (JavaCodeUnit u : c.getCodeUnits()) {
            for (JavaMethodCall call : u.getMethodCallsFromSelf()) {
                if (handler && u.isConstructor() && SETTING_LOOKUPS.contains(call.getName())
                        && (call.getTargetOwner().isAssignableTo("java.util.Map")
                        || call.getTargetOwner().isAssignableTo("java.util.Properties"))
                        && assignsSettingField(u, c, false)) {
                    r.report(call, name(u) + " calls " + shortName(call) + " in the constructor of a class that serves"
                            + " requests and keeps the value in a field: settings read once at start, a change needs"
                            + " a restart of every replica", c, u);
                    continue;
                }
                if (!ENV_READS.contains(call.getTargetOwner().getName() + "." + call.getName())) {
                    continue;
                }
                String stored = null;
                if (Code.isStaticInit(u)) {
                    stored = "in the static initialiser";
                } else if (assignsSettingField(u, c, true)) {
                    stored = "in code that assigns a static field";
                } else if (singleton && assignsSettingField(u, c, false)) {
                    stored = "in code that assigns a field of a singleton";
                }
                if (stored != null) {
                    r.report(call, name(u) + " calls " + shortName(call) + " " + stored
                            + ": read once, a change needs a restart of every replica", c, u);
                }
            }
        }
    }

    private void findClientsPerRequest(JavaClass c, Reporter r) {
        for (JavaCodeUnit u : c.getCodeUnits()) {
            for (JavaCall<?> call : u.getCallsFromSelf()) {
                String target = call.getTargetOwner().getName() + "." + call.getName();
                if (CLIENT_CREATIONS.contains(target) && !isSetUpCode(u, call)) {
                    r.report(call, name(u) + " creates a client (" + shortName(call) + ") outside set-up code:"
                            + " new connections, threads and handshakes for each call, and no bound on them", c, u);
                }
            }
        }
    }

    private void findUnboundedPools(JavaClass c, Reporter r) {
        ClassFileConstants constants = null;
        for (JavaCodeUnit u : c.getCodeUnits()) {
            for (JavaCall<?> call : u.getCallsFromSelf()) {
                String owner = call.getTargetOwner().getName();
                if (owner.equals("java.util.concurrent.Executors") && call.getName().equals("newCachedThreadPool")) {
                    r.report(call, name(u) + " calls Executors.newCachedThreadPool: one thread per concurrent task,"
                            + " no maximum", c, u);
                } else if (call.getName().equals("<init>")
                        && call.getTargetOwner().isAssignableTo("java.util.concurrent.ThreadPoolExecutor")
                        && !call.getTargetOwner().isAssignableTo("java.util.concurrent.ScheduledThreadPoolExecutor")) {
                    constants = constants != null ? constants : ClassFileConstants.of(c);
                    if (constants.ints().contains(Integer.MAX_VALUE)) {
                        r.report(call, name(u) + " creates a ThreadPoolExecutor and the class uses Integer.MAX_VALUE,"
                                + " likely as its maximum size: no bound on threads", c, u);
                    }
                }
            }
        }
    }

    // ---- helpers

    private static boolean opensFile(JavaCall<?> call) {
        List<JavaClass> params = call.getTarget().getRawParameterTypes();
        return !params.isEmpty() && (params.get(0).isEquivalentTo(java.io.File.class)
                || params.get(0).isEquivalentTo(String.class));
    }

    private static boolean annotated(JavaMember m, List<String> names) {
        return names.stream().anyMatch(n -> m.isAnnotatedWith(n) || m.isMetaAnnotatedWith(n));
    }

    /**
     * Whether {@code u} assigns a static ({@code statics}) or an instance field declared by
     * {@code c} of a type a setting is kept in: a string, a number or boolean, a map (all of
     * {@code getenv()}), or a value commonly parsed from one.
     */
    private static boolean assignsSettingField(JavaCodeUnit u, JavaClass c, boolean statics) {
        for (JavaFieldAccess a : u.getFieldAccesses()) {
            if (a.getAccessType() != JavaFieldAccess.AccessType.SET || !a.getTargetOwner().equals(c)) {
                continue;
            }
            java.util.Optional<JavaField> f = a.getTarget().resolveMember();
            if (f.isPresent() && Code.isStatic(f.get()) == statics && holdsSetting(f.get().getRawType())) {
                return true;
            }
        }
        return false;
    }

    private static boolean holdsSetting(JavaClass type) {
        return type.isPrimitive() || SETTING_TYPES.contains(type.getName()) || type.isAssignableTo("java.util.Map");
    }

    private static boolean isSetUpCode(JavaCodeUnit u, JavaCall<?> call) {
        if (Code.isStaticInit(u) || u.isConstructor() || FACTORY_NAME.matcher(u.getName()).matches()
                || annotated(u, FACTORY_ANNOTATIONS)) {
            return true;
        }
        JavaClass returned = u.getRawReturnType();
        return returned.isAssignableTo(AutoCloseable.class) || returned.isAssignableTo(call.getTargetOwner().getName())
                || call.getTarget().getRawReturnType().getName().equals(returned.getName());
    }

    private static String name(JavaField f) {
        return f.getOwner().getSimpleName() + "." + f.getName();
    }

    private static String name(JavaCodeUnit u) {
        String owner = u.getOwner().getSimpleName();
        if (Code.isStaticInit(u)) {
            return owner + "'s static initialiser";
        }
        return owner + "." + (u.isConstructor() ? "<init>" : u.getName()) + "()";
    }

    private static String shortName(JavaCall<?> call) {
        return call.getTargetOwner().getSimpleName() + "." + (call.getName().equals("<init>") ? "new" : call.getName());
    }

    private static String where(List<JavaAccess<?>> writes) {
        return writes.size() == 1 ? "" : " (" + writes.size() + " places, first shown)";
    }

    private ArchRule rule(String description, String instead, Finder finder) {
        ArchCondition<JavaClass> condition = new ArchCondition<>("keep no state in the process") {
            @Override
            public void check(JavaClass c, ConditionEvents events) {
                finder.find(c, new Reporter(c, events, instead));
            }
        };
        return ArchRuleDefinition.classes().should(condition).as(description).allowEmptyShould(true);
    }

    @FunctionalInterface
    private interface Finder {
        void find(JavaClass c, Reporter r);
    }

    /** Turns findings into events, after the escapes. */
    private final class Reporter {
        private final JavaClass c;
        private final ConditionEvents events;
        private final String instead;

        Reporter(JavaClass c, ConditionEvents events, String instead) {
            this.c = c;
            this.events = events;
            this.instead = instead;
        }

        /** The writes to {@code f} that no escape excuses (a blank reason is reported here). */
        List<JavaAccess<?>> unexcused(JavaClass owner, JavaField f, List<JavaAccess<?>> writes) {
            return writes.stream().filter(a -> switch (escapes.verdict(owner, f, a.getOrigin())) {
                case EXCUSED -> false;
                case REPORT -> true;
                case BLANK_REASON -> {
                    blank(a, f);
                    yield false;
                }
            }).toList();
        }

        void report(HasSourceCodeLocation at, String what, JavaClass owner, JavaMember... members) {
            switch (escapes.verdict(owner, members)) {
                case EXCUSED -> { }
                case BLANK_REASON -> blank(at, members.length == 0 ? null : members[0]);
                case REPORT -> events.add(SimpleConditionEvent.violated(c,
                        c.getName() + " " + at.getSourceCodeLocation() + ": " + what + ". Instead: " + instead
                                + ". " + PROCESS_LOCAL_HINT));
            }
        }

        private void blank(HasSourceCodeLocation at, JavaMember member) {
            events.add(SimpleConditionEvent.violated(c, c.getName() + " " + at.getSourceCodeLocation() + ": @ProcessLocal"
                    + (member == null ? "" : " excusing " + member.getName())
                    + " has a blank reason. Say why this state may differ between replicas."));
        }
    }

    /**
     * Builds the rules with an allow-list, for code that cannot carry {@code @ProcessLocal}
     * (generated code, a library's classes in the analysed packages).
     */
    public static final class Builder {
        private static final Pattern TARGET = Pattern.compile("[\\p{L}_$][\\p{L}\\p{N}_$]*(\\.[\\p{L}_$][\\p{L}\\p{N}_$]*)*"
                + "(#[\\p{L}_$<][\\p{L}\\p{N}_$>]*)?");
        private final Map<String, String> allowed = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * Excuses a class (its binary name, {@code com.acme.Legacy} or {@code com.acme.Outer$Inner},
         * with its nested classes) or one member of it ({@code com.acme.Legacy#cache}; a method
         * name covers its overloads, {@code <init>} the constructors), for the reason given.
         *
         * @throws IllegalArgumentException if the target is not such a name, the reason is blank,
         *     or the target was already allowed
         */
        public Builder allow(String target, String reason) {
            Objects.requireNonNull(target, "target");
            Objects.requireNonNull(reason, "reason");
            if (!TARGET.matcher(target).matches()) {
                throw new IllegalArgumentException("allow-list target '" + target
                        + "' is not a class name (com.acme.Legacy) or a member (com.acme.Legacy#cache)");
            }
            if (reason.isBlank()) {
                throw new IllegalArgumentException("allow-list entry '" + target
                        + "' needs a reason: why this state may differ between replicas");
            }
            if (allowed.containsKey(target)) {
                throw new IllegalArgumentException("'" + target + "' is already allowed, because: " + allowed.get(target));
            }
            allowed.put(target, reason);
            return this;
        }

        /** Excuses {@code type} and its nested classes; see {@link #allow(String, String)}. */
        public Builder allow(Class<?> type, String reason) {
            return allow(Objects.requireNonNull(type, "type").getName(), reason);
        }

        public HiddenStateRules build() {
            return new HiddenStateRules(allowed);
        }
    }
}
