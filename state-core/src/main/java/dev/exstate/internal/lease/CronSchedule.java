package dev.exstate.internal.lease;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import dev.exstate.internal.Redaction;
import dev.exstate.lease.FireTimes;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.Objects;
import java.util.Optional;

/**
 * The fire times of a Unix cron expression (crontab(5): minute, hour, day of month, month, day
 * of week) in a time zone. Parsing and matching are cron-utils' ({@code CronType.UNIX}: lists,
 * ranges, steps, month and day names, 0 or 7 for Sunday, and a day that matches when either day
 * field does if both are restricted). On top, two rules for daylight saving time, applied the
 * same whatever the question starts from:
 * <ul>
 *   <li>a local time the clocks skip (spring forward) fires once, at the moment of the jump, as
 *       cron(8) does: {@code 30 2 * * *} runs at 03:00 that day rather than not at all;</li>
 *   <li>a local time that happens twice (fall back) fires at its first occurrence only, so
 *       {@code 30 2 * * *} runs once that night and {@code 0 * * * *} leaves out the repeated hour.</li>
 * </ul>
 * For a schedule without either effect, use a zone without daylight saving time ({@code UTC}).
 * Immutable and thread-safe. Not API.
 */
final class CronSchedule implements FireTimes {
    private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    /** Most consecutive second-pass fire times to step over (at most one per minute of one hour). */
    private static final int MAX_OVERLAP_STEPS = 61;

    private final String expression;
    private final ZoneId zone;
    private final ExecutionTime times;

    private CronSchedule(String expression, ZoneId zone, ExecutionTime times) {
        this.expression = expression;
        this.zone = zone;
        this.times = times;
    }

    /**
     * Parses {@code expression} for {@code zone}.
     *
     * @throws IllegalArgumentException naming the expression if it is not five valid Unix cron
     *                                  fields, or never fires (e.g. {@code 0 0 31 2 *})
     */
    static CronSchedule parse(String expression, ZoneId zone, Instant now) {
        Objects.requireNonNull(expression, "cron expression");
        Objects.requireNonNull(zone, "zone");
        String shown = "'" + Redaction.printable(expression, 120) + "'";
        ExecutionTime times;
        try {
            times = ExecutionTime.forCron(PARSER.parse(expression.strip()).validate());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cron expression " + shown + " is not valid: " + Redaction.printable(String.valueOf(e.getMessage()), 300)
                    + ". Write 5 Unix cron fields: minute hour day-of-month month day-of-week, e.g. '0 6 * * *' "
                    + "for 06:00 every day or '*/5 * * * MON-FRI' for every 5 minutes on weekdays", e);
        }
        CronSchedule schedule = new CronSchedule(expression.strip(), zone, times);
        if (schedule.next(now).isEmpty()) {
            throw new IllegalArgumentException("cron expression " + shown + " never fires (a date that does not exist?)");
        }
        return schedule;
    }

    String expression() {
        return expression;
    }

    ZoneId zone() {
        return zone;
    }

    /** The first fire time strictly after {@code after}; empty if there is none (within a century). */
    @Override
    public Optional<Instant> next(Instant after) {
        ZoneRules rules = zone.getRules();
        ZonedDateTime from = after.atZone(zone).truncatedTo(ChronoUnit.MINUTES);
        Optional<Instant> candidate = Optional.empty();
        // the parser answers a time after the question; checked anyway, so that fire times only advance
        for (int attempt = 0; attempt < 3 && candidate.isEmpty(); attempt++, from = from.plusMinutes(1)) {
            Optional<ZonedDateTime> match = times.nextExecution(from);
            // a repeated local time fires in its first pass only
            for (int i = 0; match.isPresent() && i < MAX_OVERLAP_STEPS && isSecondPass(rules, match.get()); i++) {
                match = times.nextExecution(match.get());
            }
            if (match.isEmpty()) {
                return Optional.empty();
            }
            candidate = match.map(ZonedDateTime::toInstant).filter(t -> t.isAfter(after));
        }
        // local times the clocks skipped, which the parser passes over, fire at the jump
        for (ZoneOffsetTransition t = rules.nextTransition(after);
             t != null && candidate.isPresent() && !t.getInstant().isAfter(candidate.get());
             t = rules.nextTransition(t.getInstant())) {
            if (t.isGap() && firesWithin(t)) {
                return Optional.of(t.getInstant());
            }
        }
        return candidate;
    }

    /** True if {@code time} is the second occurrence of a local time that happens twice. */
    private static boolean isSecondPass(ZoneRules rules, ZonedDateTime time) {
        ZoneOffsetTransition t = rules.getTransition(time.toLocalDateTime());
        return t != null && t.isOverlap() && time.getOffset().equals(t.getOffsetAfter());
    }

    /** True if the expression matches a local time in the gap {@code t} skips. */
    private boolean firesWithin(ZoneOffsetTransition t) {
        // on a fixed offset every local time exists, so the parser can say whether one in the gap matches
        ZoneOffset before = t.getOffsetBefore();
        LocalDateTime gapStart = t.getDateTimeBefore();
        ZonedDateTime probe = gapStart.minusMinutes(1).atZone(before).truncatedTo(ChronoUnit.MINUTES);
        return times.nextExecution(probe)
                .map(m -> m.toLocalDateTime().isBefore(t.getDateTimeAfter()))
                .orElse(false);
    }

    @Override
    public String toString() {
        return "cron '" + expression + "' in " + zone;
    }
}
