package dev.exstate.testkit.stateless;

import dev.exstate.internal.Check;
import dev.exstate.testkit.stateless.HttpDriver.ClientState;
import dev.exstate.testkit.stateless.HttpDriver.Exchange;
import dev.exstate.testkit.stateless.ScaleChurnReport.FailedRequest;
import dev.exstate.testkit.stateless.ScaleChurnReport.LostUpload;
import dev.exstate.testkit.stateless.ScaleChurnReport.LostWrite;
import dev.exstate.testkit.stateless.ScaleChurnReport.ReadinessFlap;
import dev.exstate.testkit.stateless.ScaleChurnReport.ScaleEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scale-churn proof: replicas of one {@link World} serve concurrent users behind a round-robin
 * balancer while an autoscaler adds replicas, removes them gracefully and kills them; afterwards
 * nothing acknowledged may be missing.
 *
 * <p>{@link #run()} does, in this order:
 * <ol>
 *   <li>starts the minimum number of replicas from the {@link ReplicaFactory}, all in one world;</li>
 *   <li>starts the users: each one, on its own thread, sends {@linkplain Builder#sessionWrite session
 *       writes} (a unique item per write; after {@linkplain Builder#writesPerSession a few} it drops
 *       its cookies and starts a new session), {@linkplain Builder#upload uploads} of random bytes
 *       and {@linkplain Builder#read reads}, each request to the next replica in rotation, with its
 *       own cookies and captured {@code {{variables}}};</li>
 *   <li>meanwhile runs the scale events, spread over the {@linkplain Builder#duration duration}:
 *       {@link ScaleAction#SCALE_OUT} starts a replica and puts it in rotation once started;
 *       {@link ScaleAction#SCALE_IN} takes one out of rotation, lets its open requests finish, then
 *       {@linkplain Replica#close() closes} it; {@link ScaleAction#KILL} {@linkplain Replica#kill()
 *       kills} one while it is still in rotation and takes it out afterwards, as a balancer notices
 *       only from failing requests. A request that gets no answer or a 5xx is retried on the next
 *       replica, as a balancer would, and counted;</li>
 *   <li>polls the {@linkplain Builder#readinessPath readiness path} of every replica in rotation;
 *       a replica that answered ready and later does not, while it is not being removed, flaps;</li>
 *   <li>stops the users, reads every session through the replicas left (every acknowledged item
 *       must be there), downloads every acknowledged upload (the same bytes must come back), closes
 *       the replicas and collects {@link Replica#jobRuns()} of every replica that ever ran, killed
 *       ones included: a (job, tick) reported twice is a duplicate;</li>
 *   <li>closes the world and returns the {@link ScaleChurnReport}.</li>
 * </ol>
 *
 * <p>Deterministic from the {@linkplain Builder#seed seed}: the scale actions, their order and
 * spacing, which replica each one hits, each user's mix of requests, items and upload bytes. The
 * interleaving of the concurrent users with each other and with the events is not, and so neither
 * are the exact counts. The backends are expected to stay up throughout: churn of the state
 * services is the fault tests' subject, not this check's.
 *
 * <p>Bounded: at most {@linkplain Builder#users 16 users} (one thread each), a readiness poller,
 * 4 HTTP client threads, at most 8 replicas; every request has a timeout; starting, closing and
 * killing a replica is bounded by the start timeout. A replica that fails to start, close or die
 * makes {@link #run()} throw {@link IllegalStateException} (a broken setup, not a verdict), after
 * ending the replicas already started. A check may be run more than once; runs are independent.
 */
public final class ChurnCheck {
    /** What an autoscaler does to the group at a scale event. */
    public enum ScaleAction {
        /** Start one more replica; it joins the rotation once started (ready). */
        SCALE_OUT,
        /** Take a replica out of rotation, let its open requests finish, then close it gracefully. */
        SCALE_IN,
        /** Kill a replica in rotation ({@link Replica#kill()}); the balancer drops it afterwards. */
        KILL
    }

    private static final Logger LOG = LoggerFactory.getLogger(ChurnCheck.class);
    private static final Duration POLL_EVERY = Duration.ofMillis(100);
    /** A failure this long after a scale event ended still counts as caused by it (a request in flight). */
    private static final long SETTLE_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int HTTP_THREADS = 4;
    private static final String VERIFY = "verify";

    private final ReplicaFactory factory;
    private final String name;
    private final int minReplicas;
    private final int maxReplicas;
    private final int users;
    private final Duration duration;
    private final List<ScaleAction> schedule;
    private final long seed;
    private final Function<String, Step> write;
    private final Step sessionRead;
    private final Function<byte[], Step> upload;
    private final Step download;
    private final List<Step> reads;
    private final String readinessPath;
    private final int writesPerSession;
    private final int maxUploadBytes;
    private final Duration thinkTime;
    private final Duration requestTimeout;
    private final Duration startTimeout;

    private ChurnCheck(Builder b) {
        this.factory = b.factory;
        this.name = b.name;
        this.minReplicas = b.minReplicas;
        this.maxReplicas = b.maxReplicas;
        this.users = b.users;
        this.duration = b.duration;
        this.seed = b.seed;
        this.schedule = b.schedule != null ? b.schedule : plan(b.events, minReplicas, maxReplicas, new Random(seed));
        this.write = b.write;
        this.sessionRead = b.sessionRead;
        this.upload = b.upload;
        this.download = b.download;
        this.reads = List.copyOf(b.reads);
        this.readinessPath = b.readinessPath;
        this.writesPerSession = b.writesPerSession;
        this.maxUploadBytes = b.maxUploadBytes;
        this.thinkTime = b.thinkTime;
        this.requestTimeout = b.requestTimeout;
        this.startTimeout = b.startTimeout;
    }

    public static Builder builder(ReplicaFactory factory) {
        return new Builder(factory);
    }

    /** The scale actions this check runs, in order (given, or drawn from the seed). */
    public List<ScaleAction> schedule() {
        return schedule;
    }

    /**
     * Runs the check (see the class comment). Blocks for about the duration plus the final reads.
     *
     * @throws IllegalStateException if a replica cannot be started, closed or killed within the start timeout
     */
    public ScaleChurnReport run() {
        return new Run().execute();
    }

    /** A random schedule of {@code events} actions that keeps the group between min and max, starting at min. */
    static List<ScaleAction> plan(int events, int min, int max, Random random) {
        List<ScaleAction> plan = new ArrayList<>();
        List<ScaleAction> bag = new ArrayList<>();
        int count = min;
        while (plan.size() < events) {
            if (bag.isEmpty()) {
                bag.addAll(List.of(ScaleAction.values()));
                Collections.shuffle(bag, random);
            }
            ScaleAction next = null;
            for (ScaleAction a : bag) {
                if (allowed(a, count, min, max)) {
                    next = a;
                    break;
                }
            }
            if (next == null) {
                // only actions the bounds forbid are left: a fresh bag always holds an allowed one
                bag.clear();
                continue;
            }
            bag.remove(next);
            plan.add(next);
            count += next == ScaleAction.SCALE_OUT ? 1 : -1;
        }
        return List.copyOf(plan);
    }

    private static boolean allowed(ScaleAction a, int count, int min, int max) {
        return a == ScaleAction.SCALE_OUT ? count < max : count > min;
    }

    /** A replica as the balancer sees it. */
    private static final class Member {
        final int id;
        final Replica replica;
        final AtomicInteger inFlight = new AtomicInteger();
        /** Being removed (or killed): its readiness no longer counts. */
        volatile boolean leaving;
        /** null until first polled, then whether its last answer was ready. */
        Boolean ready;

        Member(int id, Replica replica) {
            this.id = id;
            this.replica = replica;
        }
    }

    /** One acknowledged session of a user: its cookies and the items the replicas acknowledged. */
    private record Cart(ClientState state, List<String> items) {
    }

    /** One acknowledged upload: the bytes, and the cookies and variables its download needs. */
    private record Upload(String user, byte[] bytes, ClientState state) {
    }

    /** A request attempt that failed: who sent what to whom, and when (nanoTime) it started and ended. */
    private record Attempt(String user, String request, int replica, String failure, long start, long end) {
    }

    /** The state of one run; one thread drives it, the users and the poller report into its concurrent fields. */
    private final class Run {
        final String check = "churn check " + name;
        final World world = new World(StatelessnessCheck.REPLICAS_WORLD);
        final HttpDriver http = new HttpDriver("exstate-churn-http-", HTTP_THREADS, requestTimeout);
        final List<Member> started = new ArrayList<>(); // every replica ever started, index = id
        final List<List<JobRun>> runsById = new ArrayList<>();
        final CopyOnWriteArrayList<Member> rotation = new CopyOnWriteArrayList<>();
        final AtomicInteger next = new AtomicInteger();
        final AtomicLong requests = new AtomicLong();
        final AtomicInteger unserved = new AtomicInteger();
        final ConcurrentLinkedQueue<Attempt> failed = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<ReadinessFlap> flaps = new ConcurrentLinkedQueue<>();
        final AtomicInteger polls = new AtomicInteger();
        final List<ScaleEvent> events = new ArrayList<>();
        final List<long[]> eventWindows = new ArrayList<>(); // start, end nanos; guarded by itself
        final List<List<Cart>> carts = new ArrayList<>();
        final List<List<Upload>> uploads = new ArrayList<>();
        final List<String> notes = new ArrayList<>();
        volatile boolean running = true;
        long startNanos;

        ScaleChurnReport execute() {
            List<Thread> threads = new ArrayList<>();
            try {
                for (int i = 0; i < minReplicas; i++) {
                    rotation.add(startReplica());
                }
                startNanos = System.nanoTime();
                for (int u = 0; u < users; u++) {
                    carts.add(new CopyOnWriteArrayList<>());
                    uploads.add(new CopyOnWriteArrayList<>());
                    int user = u;
                    threads.add(HttpDriver.daemon(() -> user(user), "exstate-churn-user-" + u));
                }
                if (readinessPath != null) {
                    threads.add(HttpDriver.daemon(this::pollReadiness, "exstate-churn-readiness"));
                }
                threads.forEach(Thread::start);
                runEvents();
                running = false;
                for (Thread t : threads) {
                    join(t);
                }
                Duration elapsed = Duration.ofNanos(System.nanoTime() - startNanos);
                List<LostWrite> lostWrites = verifyCarts();
                List<LostUpload> lostUploads = verifyUploads();
                for (Member m : List.copyOf(rotation)) {
                    rotation.remove(m);
                    end(m, false);
                }
                int runCount = runsById.stream().mapToInt(List::size).sum();
                List<FailedRequest> during = new ArrayList<>();
                List<FailedRequest> outside = new ArrayList<>();
                classify(during, outside);
                int acked = carts.stream().flatMap(List::stream).mapToInt(c -> c.items().size()).sum();
                int uploaded = uploads.stream().mapToInt(List::size).sum();
                if (readinessPath == null) {
                    notes.add("readiness was not polled: no readiness path set");
                }
                return new ScaleChurnReport(name, seed, minReplicas, maxReplicas, users, elapsed, events, started.size(),
                        requests.get(), acked, lostWrites, uploaded, lostUploads, runCount, DuplicateJobRun.among(runsById),
                        during, outside, unserved.get(), polls.get(), List.copyOf(flaps), notes);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(check + " was interrupted", e);
            } finally {
                running = false;
                threads.forEach(Thread::interrupt);
                for (Member m : List.copyOf(rotation)) {
                    rotation.remove(m);
                    try {
                        end(m, false);
                    } catch (RuntimeException | InterruptedException e) {
                        LOG.warn("{}: {}", check, e.getMessage());
                    }
                }
                world.close();
                http.close();
            }
        }

        private void runEvents() throws InterruptedException {
            Random random = new Random(seed ^ 0x5DEECE66DL);
            long slot = duration.toNanos() / (schedule.size() + 1);
            for (int i = 0; i < schedule.size(); i++) {
                // evenly spread, each moved by up to a quarter slot either way
                long at = slot * (i + 1) + (long) ((random.nextDouble() - 0.5) * slot / 2);
                sleepUntil(startNanos + at);
                int victim = random.nextInt(maxReplicas);
                runEvent(i, schedule.get(i), victim);
            }
            sleepUntil(Math.max(startNanos + duration.toNanos(), System.nanoTime() + TimeUnit.SECONDS.toNanos(1)));
        }

        private void runEvent(int index, ScaleAction action, int draw) throws InterruptedException {
            long begin = System.nanoTime();
            synchronized (eventWindows) {
                eventWindows.add(new long[] {begin, Long.MAX_VALUE});
            }
            Member target;
            switch (action) {
                case SCALE_OUT -> {
                    target = startReplica();
                    rotation.add(target);
                }
                case SCALE_IN -> {
                    target = rotation.get(draw % rotation.size());
                    target.leaving = true;
                    rotation.remove(target);
                    awaitIdle(target);
                    end(target, false);
                }
                case KILL -> {
                    target = rotation.get(draw % rotation.size());
                    target.leaving = true;
                    end(target, true);
                    rotation.remove(target);
                }
                default -> throw new IllegalStateException("unknown action " + action);
            }
            long finish = System.nanoTime();
            synchronized (eventWindows) {
                eventWindows.get(index)[1] = finish;
            }
            events.add(new ScaleEvent(index + 1, action, target.id, Duration.ofNanos(begin - startNanos),
                    Duration.ofNanos(finish - begin), rotation.size()));
            LOG.debug("{}: event {} {} replica {} -> {} in rotation", check, index + 1, action, target.id, rotation.size());
        }

        private Member startReplica() throws InterruptedException {
            int id = started.size();
            Replica r = HttpDriver.bounded(check, "starting replica " + id, startTimeout, () -> factory.start(world));
            if (r == null || r.baseUri() == null) {
                throw new IllegalStateException(check + ": the factory returned no replica (or no base URI) for replica " + id);
            }
            Member m = new Member(id, r);
            started.add(m);
            runsById.add(List.of());
            return m;
        }

        /** Closes or kills {@code m} (bounded) and keeps its job runs. */
        private void end(Member m, boolean kill) throws InterruptedException {
            m.leaving = true;
            HttpDriver.bounded(check, (kill ? "killing" : "closing") + " replica " + m.id, startTimeout, () -> {
                if (kill) {
                    m.replica.kill();
                } else {
                    m.replica.close();
                }
                return null;
            });
            runsById.set(m.id, List.copyOf(m.replica.jobRuns()));
        }

        /** Waits (at most a request timeout) for the requests already sent to {@code m} to finish, as a preStop delay would. */
        private void awaitIdle(Member m) throws InterruptedException {
            long until = System.nanoTime() + requestTimeout.toNanos() + TimeUnit.SECONDS.toNanos(1);
            while (m.inFlight.get() > 0 && System.nanoTime() - until < 0) {
                Thread.sleep(5);
            }
        }

        private void user(int u) {
            String user = "user-" + u;
            Random random = new Random(seed * 31 + u + 1);
            ClientState state = new ClientState();
            List<String> items = new CopyOnWriteArrayList<>();
            carts.get(u).add(new Cart(state, items));
            int session = 0;
            int written = 0;
            int kinds = (write != null ? 5 : 0) + (upload != null ? 2 : 0) + (reads.isEmpty() ? 0 : 3);
            try {
                while (running) {
                    int draw = random.nextInt(kinds);
                    if (write != null && draw < 5) {
                        String item = String.format(java.util.Locale.ROOT, "u%02d-s%03d-w%03d", u, session, written);
                        Exchange ex = send(user, write.apply(item), state);
                        if (acknowledged(ex)) {
                            items.add(item);
                        }
                        if (++written == writesPerSession) {
                            session++;
                            written = 0;
                            state = new ClientState();
                            items = new CopyOnWriteArrayList<>();
                            carts.get(u).add(new Cart(state, items));
                        }
                    } else if (upload != null && draw < (write != null ? 7 : 2)) {
                        byte[] bytes = new byte[1 + random.nextInt(maxUploadBytes)];
                        random.nextBytes(bytes);
                        Step step = upload.apply(bytes);
                        for (Step.Capture c : step.captures()) {
                            state.variables.remove(c.variable()); // a failed capture must not leave the last upload's id
                        }
                        Exchange ex = send(user, step, state);
                        if (acknowledged(ex)) {
                            ClientState copy = new ClientState();
                            copy.cookies.putAll(state.cookies);
                            copy.variables.putAll(state.variables);
                            uploads.get(u).add(new Upload(user, bytes, copy));
                        }
                    } else {
                        send(user, reads.get(random.nextInt(reads.size())), state);
                    }
                    long pause = (long) (thinkTime.toNanos() * (0.5 + random.nextDouble()));
                    TimeUnit.NANOSECONDS.sleep(pause);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private boolean acknowledged(Exchange ex) {
            return ex != null && ex.response().status() >= 200 && ex.response().status() < 300;
        }

        /**
         * Sends {@code step} to the next replica in rotation; on no answer or a 5xx, to the next one,
         * up to one more try than the largest group. Null if every try failed.
         */
        private Exchange send(String user, Step step, ClientState state) throws InterruptedException {
            int avoid = -1;
            for (int attempt = 0; attempt <= maxReplicas; attempt++) {
                Member m = pick(avoid);
                m.inFlight.incrementAndGet();
                long begin = System.nanoTime();
                Exchange ex;
                try {
                    ex = http.send(m.replica.baseUri(), step, state);
                } finally {
                    m.inFlight.decrementAndGet();
                }
                requests.incrementAndGet();
                if (!ex.response().isError() && ex.response().status() < 500) {
                    return ex;
                }
                failed.add(new Attempt(user, ex.request(), m.id, ex.response().shortForm(80), begin, System.nanoTime()));
                avoid = m.id;
            }
            unserved.incrementAndGet();
            return null;
        }

        private Member pick(int avoid) throws InterruptedException {
            while (true) {
                Object[] now = rotation.toArray();
                if (now.length > 0) {
                    Member m = (Member) now[Math.floorMod(next.getAndIncrement(), now.length)];
                    if (m.id == avoid && now.length > 1) {
                        m = (Member) now[Math.floorMod(next.getAndIncrement(), now.length)];
                    }
                    return m;
                }
                Thread.sleep(5); // never for long: an event only empties the rotation between removing and adding
            }
        }

        private void pollReadiness() {
            Step probe = Step.get(readinessPath);
            try {
                while (running) {
                    for (Object o : rotation.toArray()) {
                        Member m = (Member) o;
                        if (m.leaving) {
                            continue;
                        }
                        Exchange ex = http.send(m.replica.baseUri(), probe, new ClientState());
                        polls.incrementAndGet();
                        boolean ready = !ex.response().isError() && ex.response().status() == 200;
                        if (m.leaving) {
                            continue; // its removal began while we asked
                        }
                        if (Boolean.TRUE.equals(m.ready) && !ready) {
                            flaps.add(new ReadinessFlap(m.id, Duration.ofNanos(System.nanoTime() - startNanos),
                                    ex.response().shortForm(80)));
                        }
                        m.ready = ready;
                    }
                    TimeUnit.MILLISECONDS.sleep(POLL_EVERY.toMillis());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private List<LostWrite> verifyCarts() throws InterruptedException {
            List<LostWrite> lost = new ArrayList<>();
            if (write == null) {
                return lost;
            }
            for (int u = 0; u < carts.size(); u++) {
                for (Cart cart : carts.get(u)) {
                    if (cart.items().isEmpty()) {
                        continue;
                    }
                    Exchange ex = send(VERIFY, sessionRead, cart.state());
                    String seen = ex == null ? "no answer from any replica" : ex.response().shortForm(120);
                    for (String item : cart.items()) {
                        if (ex == null || ex.response().status() != 200 || !ex.response().body().contains(item)) {
                            lost.add(new LostWrite("user-" + u, item, seen));
                        }
                    }
                }
            }
            return lost;
        }

        private List<LostUpload> verifyUploads() throws InterruptedException {
            List<LostUpload> lost = new ArrayList<>();
            for (List<Upload> list : uploads) {
                for (Upload up : list) {
                    Exchange ex = send(VERIFY, download, up.state());
                    String request = ex == null ? download.toString() : ex.request();
                    if (ex == null || ex.response().status() != 200) {
                        lost.add(new LostUpload(up.user(), request, up.bytes().length,
                                "missing: " + (ex == null ? "no answer from any replica" : ex.response().shortForm(80))));
                    } else if (!Arrays.equals(ex.body(), up.bytes())) {
                        lost.add(new LostUpload(up.user(), request, up.bytes().length,
                                "partial: got " + ex.body().length + " bytes that differ from the " + up.bytes().length + " uploaded"));
                    }
                }
            }
            return lost;
        }

        /** Splits the failed attempts into those overlapping a scale event (or just after it) and the others. */
        private void classify(List<FailedRequest> during, List<FailedRequest> outside) {
            List<long[]> windows;
            synchronized (eventWindows) {
                windows = List.copyOf(eventWindows);
            }
            for (Attempt a : failed) {
                int event = 0;
                for (int i = 0; i < windows.size(); i++) {
                    long[] w = windows.get(i);
                    long end = w[1] == Long.MAX_VALUE ? Long.MAX_VALUE : w[1] + SETTLE_NANOS;
                    if (a.end() - w[0] >= 0 && end - a.start() >= 0) {
                        event = i + 1;
                    }
                }
                FailedRequest f = new FailedRequest(a.user(), a.request(), a.replica(), a.failure(), event);
                (event > 0 ? during : outside).add(f);
            }
        }

        private void sleepUntil(long nanos) throws InterruptedException {
            long wait = nanos - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
        }

        private void join(Thread t) throws InterruptedException {
            // a user finishes its request (every try bounded by the request timeout) and stops
            long bound = (requestTimeout.toMillis() + 1000) * (maxReplicas + 2) + thinkTime.toMillis() * 2;
            t.join(bound);
            if (t.isAlive()) {
                t.interrupt();
                t.join(requestTimeout.toMillis() + 1000);
                notes.add(t.getName() + " did not stop within " + bound + " ms and was interrupted");
            }
        }
    }

    /**
     * Builder for {@link ChurnCheck}. Defaults: 2 to 4 replicas, 4 users, 15 s, 6 scale events drawn
     * from a random seed (reported), 20 writes per session, uploads up to 16 KiB, 10 ms think time,
     * no readiness polling, 10 s request timeout, 30 s start timeout. At least one of
     * {@link #sessionWrite} and {@link #upload} is required.
     */
    public static final class Builder {
        private static final int MAX_REPLICAS = 8;
        private static final int MAX_USERS = 16;

        private final ReplicaFactory factory;
        private String name = "service";
        private int minReplicas = 2;
        private int maxReplicas = 4;
        private int users = 4;
        private Duration duration = Duration.ofSeconds(15);
        private int events = 6;
        private List<ScaleAction> schedule;
        private boolean eventsSet;
        private long seed = new Random().nextLong();
        private Function<String, Step> write;
        private Step sessionRead;
        private Function<byte[], Step> upload;
        private Step download;
        private final List<Step> reads = new ArrayList<>();
        private String readinessPath;
        private int writesPerSession = 20;
        private int maxUploadBytes = 16 * 1024;
        private Duration thinkTime = Duration.ofMillis(10);
        private Duration requestTimeout = Duration.ofSeconds(10);
        private Duration startTimeout = Duration.ofSeconds(30);

        private Builder(ReplicaFactory factory) {
            this.factory = Objects.requireNonNull(factory, "factory");
        }

        /** The name reports use for the service under test. */
        public Builder name(String v) {
            this.name = Objects.requireNonNull(v, "name");
            return this;
        }

        /** The group starts at {@code min} and the autoscaler keeps it between {@code min} and {@code max}: 1 &le; min &lt; max &le; 8. */
        public Builder replicas(int min, int max) {
            Check.valid(min, min >= 1, () -> "min replicas must be at least 1, was " + min);
            Check.valid(max, max > min && max <= MAX_REPLICAS,
                    () -> "max replicas must be above min (" + min + ") and at most " + MAX_REPLICAS + ", was " + max);
            this.minReplicas = min;
            this.maxReplicas = max;
            return this;
        }

        /** Concurrent users, each with its own cookies and thread: 1 to 16. */
        public Builder users(int v) {
            this.users = Check.valid(v, v >= 1 && v <= MAX_USERS, () -> "users must be between 1 and " + MAX_USERS + ", was " + v);
            return this;
        }

        /** How long the users run; the scale events are spread over it. 1 s to 10 min. */
        public Builder duration(Duration v) {
            Objects.requireNonNull(v, "duration");
            this.duration = Check.valid(v, v.toMillis() >= 1000 && v.compareTo(Duration.ofMinutes(10)) <= 0,
                    () -> "duration must be between 1 s and 10 min, was " + v);
            return this;
        }

        /** Number of scale events drawn from the seed: 1 to 100. Not with {@link #schedule}. */
        public Builder events(int v) {
            if (schedule != null) {
                throw new IllegalStateException("a schedule of " + schedule.size() + " actions is already set; events(n) draws one");
            }
            this.events = Check.valid(v, v >= 1 && v <= 100, () -> "events must be between 1 and 100, was " + v);
            this.eventsSet = true;
            return this;
        }

        /**
         * The scale actions to run, in order, instead of drawing them from the seed. Checked against
         * the replica bounds at {@link #build()} (starting from min: no scale-out above max, no
         * scale-in or kill below min). Not with {@link #events}.
         */
        public Builder schedule(ScaleAction... actions) {
            if (eventsSet) {
                throw new IllegalStateException("events already set to " + events + "; a schedule gives the actions instead");
            }
            List<ScaleAction> list = List.of(actions);
            Check.valid(list, !list.isEmpty() && list.size() <= 100, () -> "a schedule needs 1 to 100 actions, had " + list.size());
            this.schedule = list;
            return this;
        }

        /** Fixes every random choice (see the class comment); default a random seed, reported. */
        public Builder seed(long v) {
            this.seed = v;
            return this;
        }

        /**
         * Session writes: {@code write} makes the request that adds {@code item} (a unique text such
         * as {@code u01-s002-w013}) to the user's session, e.g. {@code item -> Step.post("/cart/items", item)};
         * {@code read} reads the session back, and its body must contain every item acknowledged
         * (2xx) in that session, e.g. {@code Step.get("/cart")}.
         */
        public Builder sessionWrite(Function<String, Step> write, Step read) {
            this.write = Objects.requireNonNull(write, "write");
            this.sessionRead = Objects.requireNonNull(read, "read");
            return this;
        }

        /**
         * Uploads: {@code upload} makes the request that stores the given bytes and captures their id,
         * e.g. {@code b -> Step.post("/files", b).capture("file", "^([0-9a-f]{64})$")}; {@code download}
         * fetches them with that variable, e.g. {@code Step.get("/files/{{file}}")}, and must answer 200
         * with the same bytes.
         */
        public Builder upload(Function<byte[], Step> upload, Step download) {
            this.upload = Objects.requireNonNull(upload, "upload");
            this.download = Objects.requireNonNull(download, "download");
            return this;
        }

        /** Read-only requests mixed in (e.g. {@code Step.get("/flags")}); only their failures count. */
        public Builder read(Step... steps) {
            for (Step s : steps) {
                reads.add(Objects.requireNonNull(s, "step"));
            }
            return this;
        }

        /** Path polled on every replica in rotation, e.g. {@code /health/ready}; 200 is ready. Default: not polled. */
        public Builder readinessPath(String v) {
            Objects.requireNonNull(v, "readinessPath");
            this.readinessPath = Check.valid(v, v.startsWith("/"), () -> "readinessPath must start with '/', was " + v);
            return this;
        }

        /** Writes before a user starts a new session (a cart has limits): 1 to 1,000. */
        public Builder writesPerSession(int v) {
            this.writesPerSession = Check.valid(v, v >= 1 && v <= 1000, () -> "writesPerSession must be between 1 and 1000, was " + v);
            return this;
        }

        /** Largest upload, in bytes: 1 to 1 MiB (sizes are drawn between 1 and this). */
        public Builder maxUploadBytes(int v) {
            this.maxUploadBytes = Check.valid(v, v >= 1 && v <= 1024 * 1024, () -> "maxUploadBytes must be between 1 and 1048576, was " + v);
            return this;
        }

        /** Mean pause of a user between requests (drawn between half and one and a half times this): 0 to 10 s. */
        public Builder thinkTime(Duration v) {
            Objects.requireNonNull(v, "thinkTime");
            this.thinkTime = Check.valid(v, !v.isNegative() && v.compareTo(Duration.ofSeconds(10)) <= 0,
                    () -> "thinkTime must be between 0 and 10 s, was " + v);
            return this;
        }

        /** Longest wait for one answer; a request past it is retried on another replica. */
        public Builder requestTimeout(Duration v) {
            Objects.requireNonNull(v, "requestTimeout");
            this.requestTimeout = Check.valid(v, v.toMillis() >= 1, () -> "requestTimeout must be at least 1 ms, was " + v);
            return this;
        }

        /** Longest wait for a replica to start, close or die. */
        public Builder startTimeout(Duration v) {
            Objects.requireNonNull(v, "startTimeout");
            this.startTimeout = Check.valid(v, v.toMillis() >= 1, () -> "startTimeout must be at least 1 ms, was " + v);
            return this;
        }

        /**
         * @throws IllegalStateException if neither session writes nor uploads are set, or the schedule
         *                               leaves the replica bounds
         */
        public ChurnCheck build() {
            if (write == null && upload == null) {
                throw new IllegalStateException("nothing to check: set sessionWrite(...) or upload(...), or both");
            }
            if (schedule != null) {
                int count = minReplicas;
                for (int i = 0; i < schedule.size(); i++) {
                    ScaleAction a = schedule.get(i);
                    if (!allowed(a, count, minReplicas, maxReplicas)) {
                        throw new IllegalStateException("schedule action " + (i + 1) + " (" + a + ") would leave " + minReplicas
                                + ".." + maxReplicas + " replicas: " + count + " are running then");
                    }
                    count += a == ScaleAction.SCALE_OUT ? 1 : -1;
                }
            }
            return new ChurnCheck(this);
        }
    }

    @Override
    public String toString() {
        return "ChurnCheck[" + name + ", replicas " + minReplicas + ".." + maxReplicas + ", " + users + " users, "
                + duration.toMillis() + " ms, schedule " + schedule + ", seed " + seed + "]";
    }
}
