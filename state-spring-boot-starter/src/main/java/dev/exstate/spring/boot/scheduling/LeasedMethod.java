package dev.exstate.spring.boot.scheduling;

import dev.exstate.internal.lease.LeaseHandles;
import dev.exstate.lease.FireTimes;
import dev.exstate.lease.InvalidLeaseNameException;
import dev.exstate.lease.JobContext;
import dev.exstate.lease.LeasedJob;
import dev.exstate.lease.LeasedScheduler;
import dev.exstate.lease.ScheduledJob;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import org.springframework.aop.support.AopUtils;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.format.annotation.DurationFormat;
import org.springframework.format.datetime.standard.DurationFormatterUtils;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.scheduling.support.CronExpression;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;
import org.springframework.util.StringUtils;
import org.springframework.util.StringValueResolver;

/**
 * One {@code @Scheduled} + {@link Leased} method, read and checked at start-up: what to register
 * with the {@link LeasedScheduler} and how to call it. Every refusal is an
 * {@link IllegalStateException} naming the method.
 */
final class LeasedMethod {
    private enum Kind { CRON, FIXED_RATE, FIXED_DELAY }

    private final String jobName;
    private final String where;
    private final Kind kind;
    private final Duration interval;
    private final SpringCron cron;
    private final Object bean;
    private final Method invocable;
    private final boolean takesContext;

    private LeasedMethod(String jobName, String where, Kind kind, Duration interval, SpringCron cron, Object bean,
                         Method invocable, boolean takesContext) {
        this.jobName = jobName;
        this.where = where;
        this.kind = kind;
        this.interval = interval;
        this.cron = cron;
        this.bean = bean;
        this.invocable = invocable;
        this.takesContext = takesContext;
    }

    /**
     * The job for {@code method} of {@code bean}, or empty if its cron is {@code "-"} (disabled, as
     * Spring does).
     *
     * @throws IllegalStateException naming the method if it cannot run as a leased job
     */
    static Optional<LeasedMethod> of(Scheduled scheduled, Leased leased, Method method, Object bean,
                                     StringValueResolver resolver) {
        Class<?> type = ClassUtils.getUserClass(AopUtils.getTargetClass(bean));
        String where = type.getName() + "#" + method.getName();
        try {
            return read(scheduled, leased, method, bean, type, where, resolver);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("@Leased @Scheduled method " + where + ": " + e.getMessage(), e);
        }
    }

    private static Optional<LeasedMethod> read(Scheduled scheduled, Leased leased, Method method, Object bean,
                                               Class<?> type, String where, StringValueResolver resolver) {
        boolean takesContext = checkSignature(method, type);
        String name = resolve(resolver, leased.name());
        if (name.isEmpty()) {
            name = where;
        }
        try {
            LeaseHandles.checkName(name);
        } catch (InvalidLeaseNameException e) {
            throw new IllegalArgumentException("its job name is not a valid lease name (" + e.getMessage()
                    + "); give one with @Leased(name = \"...\")", e);
        }
        if (scheduled.initialDelay() >= 0 || !resolve(resolver, scheduled.initialDelayString()).isEmpty()) {
            throw new IllegalArgumentException("initialDelay is not supported with @Leased: ticks are aligned to the "
                    + "epoch, the same on every replica (fixed rate: tick = epochMillis / period), so a per-replica "
                    + "start delay has no meaning; remove it");
        }
        String cronText = resolve(resolver, scheduled.cron());
        Duration rate = duration(scheduled.fixedRate(), resolve(resolver, scheduled.fixedRateString()), scheduled, "fixedRate");
        Duration delay = duration(scheduled.fixedDelay(), resolve(resolver, scheduled.fixedDelayString()), scheduled, "fixedDelay");
        int set = (cronText.isEmpty() ? 0 : 1) + (rate == null ? 0 : 1) + (delay == null ? 0 : 1);
        if (set != 1) {
            throw new IllegalArgumentException("exactly one of 'cron', 'fixedRate' and 'fixedDelay' must be set");
        }
        Object target = bean;
        Method invocable = AopUtils.selectInvocableMethod(method, target.getClass());
        ReflectionUtils.makeAccessible(invocable);
        if (!cronText.isEmpty()) {
            if (Scheduled.CRON_DISABLED.equals(cronText)) {
                return Optional.empty();
            }
            String zoneText = resolve(resolver, scheduled.zone());
            ZoneId zone;
            try {
                zone = zoneText.isEmpty() ? ZoneId.systemDefault() : StringUtils.parseTimeZoneString(zoneText).toZoneId();
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("zone '" + zoneText + "' is not a time zone: " + e.getMessage(), e);
            }
            SpringCron fireTimes = SpringCron.parse(cronText, zone);
            return Optional.of(new LeasedMethod(name, where, Kind.CRON, null, fireTimes, target, invocable, takesContext));
        }
        Kind kind = rate != null ? Kind.FIXED_RATE : Kind.FIXED_DELAY;
        Duration interval = rate != null ? rate : delay;
        if (interval.compareTo(Duration.ofMillis(1)) < 0) {
            throw new IllegalArgumentException((rate != null ? "fixedRate" : "fixedDelay") + " must be at least 1 ms, was "
                    + interval);
        }
        return Optional.of(new LeasedMethod(name, where, kind, interval, null, target, invocable, takesContext));
    }

    String jobName() {
        return jobName;
    }

    /** {@code com.example.Reports#dailyReport}. */
    String where() {
        return where;
    }

    Object bean() {
        return bean;
    }

    /**
     * Registers the method with {@code scheduler}.
     *
     * @throws IllegalStateException naming the method if the scheduler refuses it (its name with the
     *                               lease prefix too long, a job of that name already scheduled there)
     */
    ScheduledJob scheduleOn(LeasedScheduler scheduler) {
        try {
            return switch (kind) {
                case CRON -> scheduler.schedule(jobName, cron, this::run);
                case FIXED_RATE -> scheduler.scheduleAtFixedRate(jobName, interval, this::run);
                case FIXED_DELAY -> scheduler.scheduleWithFixedDelay(jobName, interval, this::run);
            };
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("@Leased @Scheduled method " + where + " (job '" + jobName
                    + "') cannot be scheduled: " + e.getMessage(), e);
        }
    }

    private void run(JobContext context) throws Exception {
        JobContext previous = LeasedRun.enter(context);
        try {
            invocable.invoke(bean, takesContext ? new Object[] {context} : new Object[0]);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getTargetException();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw e;
        } finally {
            LeasedRun.restore(previous);
        }
    }

    /** True if the method takes a {@link JobContext}; refuses what cannot hold a lease for its whole run. */
    private static boolean checkSignature(Method method, Class<?> type) {
        Class<?>[] params = method.getParameterTypes();
        boolean takesContext = params.length == 1 && params[0] == JobContext.class;
        if (params.length > 0 && !takesContext) {
            throw new IllegalArgumentException("it must take no parameter or one dev.exstate.lease.JobContext");
        }
        Class<?> result = method.getReturnType();
        if (CompletionStage.class.isAssignableFrom(result) || Future.class.isAssignableFrom(result)
                || isPublisher(result)) {
            throw new IllegalArgumentException("it returns " + result.getName() + ": the lease is held while the method "
                    + "runs, so work it leaves to run after it returns is not protected; return void");
        }
        if (AnnotatedElementUtils.hasAnnotation(method, Async.class) || AnnotatedElementUtils.hasAnnotation(type, Async.class)) {
            throw new IllegalArgumentException("it is @Async: the call would return at once and the lease be released "
                    + "while the work still runs; remove @Async");
        }
        return takesContext;
    }

    private static boolean isPublisher(Class<?> type) {
        for (Class<?> t : ClassUtils.getAllInterfacesForClassAsSet(type)) {
            if (t.getName().equals("org.reactivestreams.Publisher")) {
                return true;
            }
        }
        return type.getName().equals("org.reactivestreams.Publisher");
    }

    private static Duration duration(long value, String text, Scheduled scheduled, String attribute) {
        if (value >= 0 && !text.isEmpty()) {
            throw new IllegalArgumentException("both '" + attribute + "' and '" + attribute + "String' are set");
        }
        if (value >= 0) {
            return Duration.of(value, scheduled.timeUnit().toChronoUnit());
        }
        if (text.isEmpty()) {
            return null;
        }
        try {
            return DurationFormatterUtils.detectAndParse(text, DurationFormat.Unit.fromChronoUnit(scheduled.timeUnit().toChronoUnit()));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(attribute + "String '" + text + "' is not a duration: " + e.getMessage(), e);
        }
    }

    private static String resolve(StringValueResolver resolver, String value) {
        if (value == null || value.isEmpty() || resolver == null) {
            return value == null ? "" : value.strip();
        }
        String resolved = resolver.resolveStringValue(value);
        return resolved == null ? "" : resolved.strip();
    }

    /**
     * Fire times of a Spring cron expression (six fields with seconds, macros) in a zone: the same
     * times Spring's own {@code CronTrigger} would fire at, computed from the previous fire time
     * alone, so every replica computes the same ones.
     */
    static final class SpringCron implements FireTimes {
        private final String expression;
        private final CronExpression cron;
        private final ZoneId zone;

        private SpringCron(String expression, CronExpression cron, ZoneId zone) {
            this.expression = expression;
            this.cron = cron;
            this.zone = zone;
        }

        static SpringCron parse(String expression, ZoneId zone) {
            try {
                return new SpringCron(expression, CronExpression.parse(expression), zone);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("cron '" + expression + "' is not a Spring cron expression ("
                        + e.getMessage() + "); write six fields, second minute hour day-of-month month day-of-week, "
                        + "e.g. '0 0 6 * * *' for 06:00 every day", e);
            }
        }

        @Override
        public Optional<Instant> next(Instant after) {
            ZonedDateTime next = cron.next(after.atZone(zone));
            return Optional.ofNullable(next).map(ZonedDateTime::toInstant);
        }

        @Override
        public String toString() {
            return "Spring cron '" + expression + "' in " + zone;
        }
    }
}
