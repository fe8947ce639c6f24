package dev.exstate.spring.boot.scheduling;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs a Spring {@code @Scheduled} method on one replica per tick, through exstate's
 * {@link dev.exstate.lease.LeasedScheduler} instead of Spring's scheduler:
 *
 * <pre>{@code
 * @Scheduled(cron = "0 0 6 * * *", zone = "Europe/Berlin")
 * @Leased
 * void dailyReport(JobContext run) {          // or no parameter, and LeasedRun.current()
 *     reports.write(today(), run.fencingToken());
 * }
 * }</pre>
 *
 * <p>What a user can rely on:
 * <ul>
 *   <li>{@code fixedRate}: tick {@code k} is {@code epochMillis / period}; {@code cron} (Spring's
 *       six fields with seconds, macros such as {@code @hourly}, {@code zone}): a tick is a fire
 *       time, numbered by its epoch millisecond. Every replica computes the same tick for the same
 *       fire time and asks the lease backend to claim it; the backend grants each tick at most
 *       once, by an atomic record of the last tick started, so a paused, late or restarted replica
 *       can never run a tick again, whatever the timing. The lease is held and renewed while the
 *       method runs and released after; if it is lost the method's thread is interrupted.</li>
 *   <li>{@code fixedDelay}: at least that delay between the end of one run and the start of the
 *       next, cluster-wide ({@link dev.exstate.lease.LeasedScheduler#scheduleWithFixedDelay}); its
 *       tick is a counter of this replica.</li>
 *   <li>The method takes no parameter or one {@link dev.exstate.lease.JobContext} (job name, tick,
 *       fencing token, lease validity); {@link LeasedRun#current()} gives the same to code it calls.</li>
 *   <li>Refused at start-up, naming the method: {@code initialDelay} (ticks are aligned to the
 *       epoch on every replica), an asynchronous result or {@code @Async} (the lease would be
 *       released before the work ends), other parameters, two methods with one job name.</li>
 * </ul>
 * Needs {@code @EnableScheduling}, like any {@code @Scheduled} method: without it nothing is run.
 * Spring's own scheduler never runs a {@code @Leased} method.
 */
@Target({ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Leased {

    /**
     * The job name, the same on every replica: the lease is {@code exstate.scheduler.lease-prefix}
     * ({@code job:}) followed by it. Placeholders ({@code ${...}}) are resolved. Default: the
     * bean's class name and the method name, {@code com.example.Reports#dailyReport}. Two methods
     * must not share a name; renaming a job starts its tick record afresh.
     */
    String name() default "";
}
