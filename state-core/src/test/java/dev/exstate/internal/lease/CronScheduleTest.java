package dev.exstate.internal.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("cron schedules")
class CronScheduleTest {
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    private static CronSchedule cron(String expression, ZoneId zone) {
        return CronSchedule.parse(expression, zone, NOW);
    }

    private static Instant local(String dateTime, ZoneId zone) {
        return LocalDateTime.parse(dateTime).atZone(zone).toInstant();
    }

    /** The next {@code n} fire times after {@code from}, each asked from the one before. */
    private static List<Instant> fires(CronSchedule schedule, Instant from, int n) {
        List<Instant> out = new ArrayList<>();
        Instant t = from;
        for (int i = 0; i < n; i++) {
            t = schedule.next(t).orElseThrow();
            out.add(t);
        }
        return out;
    }

    /** The next {@code n} fire times of {@code expression} in {@code zone} after the local time {@code from}, shown in that zone. */
    private static List<String> localFires(String expression, ZoneId zone, String from, int n) {
        return inZone(fires(cron(expression, zone), local(from, zone), n), zone);
    }

    private static List<String> inZone(List<Instant> instants, ZoneId zone) {
        return instants.stream().map(i -> ZonedDateTime.ofInstant(i, zone).toOffsetDateTime().toString()).toList();
    }

    @Nested
    @DisplayName("fire times")
    class FireTimes {

        @Test
        @DisplayName("'0 6 * * *' fires at 06:00 local time every day, in the zone given")
        void dailyAtSixInZone() {
            Instant from = Instant.parse("2026-01-05T12:00:00Z");

            assertThat(fires(cron("0 6 * * *", ZoneOffset.UTC), from, 2))
                    .containsExactly(Instant.parse("2026-01-06T06:00:00Z"), Instant.parse("2026-01-07T06:00:00Z"));
            assertThat(fires(cron("0 6 * * *", BERLIN), from, 1)).containsExactly(Instant.parse("2026-01-06T05:00:00Z"));
            assertThat(fires(cron("0 6 * * *", NEW_YORK), from, 1)).containsExactly(Instant.parse("2026-01-06T11:00:00Z"));
        }

        @Test
        @DisplayName("the next fire time is strictly after the question, also when asked at a fire time or within its minute")
        void nextIsStrictlyAfter() {
            CronSchedule everyFive = cron("*/5 * * * *", ZoneOffset.UTC);

            assertThat(everyFive.next(Instant.parse("2026-01-05T06:00:00Z"))).contains(Instant.parse("2026-01-05T06:05:00Z"));
            assertThat(everyFive.next(Instant.parse("2026-01-05T06:00:00.001Z"))).contains(Instant.parse("2026-01-05T06:05:00Z"));
            assertThat(everyFive.next(Instant.parse("2026-01-05T06:04:59.999Z"))).contains(Instant.parse("2026-01-05T06:05:00Z"));
            assertThat(everyFive.next(Instant.parse("2026-01-05T05:59:59.999Z"))).contains(Instant.parse("2026-01-05T06:00:00Z"));
        }

        @Test
        @DisplayName("lists, ranges, steps and names work; with both day fields restricted a day matches if either does")
        void unixSyntax() {
            // Mondays to Fridays at 09:30; 2026-01-02 is a Friday
            assertThat(inZone(fires(cron("30 9 * * MON-FRI", ZoneOffset.UTC), Instant.parse("2026-01-02T10:00:00Z"), 2),
                    ZoneOffset.UTC)).containsExactly("2026-01-05T09:30Z", "2026-01-06T09:30Z");
            // the 1st of the month or any Sunday (0 and 7 both mean Sunday)
            for (String sunday : List.of("0", "7", "SUN")) {
                assertThat(inZone(fires(cron("0 0 1 * " + sunday, ZoneOffset.UTC), Instant.parse("2026-01-01T00:00:00Z"), 3),
                        ZoneOffset.UTC)).as("Sunday as %s", sunday)
                        .containsExactly("2026-01-04T00:00Z", "2026-01-11T00:00Z", "2026-01-18T00:00Z");
            }
            assertThat(inZone(fires(cron("0 0 1 * 1", ZoneOffset.UTC), Instant.parse("2026-01-26T12:00:00Z"), 2),
                    ZoneOffset.UTC)).containsExactly("2026-02-01T00:00Z", "2026-02-02T00:00Z");
            assertThat(inZone(fires(cron("0-30/15 8,20 * JAN *", ZoneOffset.UTC), Instant.parse("2026-01-31T19:00:00Z"), 4),
                    ZoneOffset.UTC)).containsExactly("2026-01-31T20:00Z", "2026-01-31T20:15Z", "2026-01-31T20:30Z",
                    "2027-01-01T08:00Z");
        }
    }

    @Nested
    @DisplayName("daylight saving time")
    class DaylightSavingTime {

        @Test
        @DisplayName("a local time the clocks skip fires once, at the jump, instead of not at all that day")
        void gapFiresAtTheJump() {
            // Berlin 2026-03-29: 02:00 CET becomes 03:00 CEST (01:00Z)
            List<Instant> fires = fires(cron("30 2 * * *", BERLIN), local("2026-03-28T00:00", BERLIN), 3);

            assertThat(inZone(fires, BERLIN))
                    .containsExactly("2026-03-28T02:30+01:00", "2026-03-29T03:00+02:00", "2026-03-30T02:30+02:00");
        }

        @Test
        @DisplayName("several skipped local times fire once at the jump, together with a fire time at the jump itself")
        void gapCollapsesIntoOneFire() {
            List<Instant> fires = fires(cron("*/30 * * * *", BERLIN), local("2026-03-29T01:00", BERLIN), 4);

            assertThat(inZone(fires, BERLIN))
                    .containsExactly("2026-03-29T01:30+01:00", "2026-03-29T03:00+02:00", "2026-03-29T03:30+02:00",
                            "2026-03-29T04:00+02:00");
        }

        @Test
        @DisplayName("a daily job in the gap hour fires at the jump in New York too, and a job outside the gap is unaffected")
        void gapInAnotherZone() {
            // New York 2026-03-08: 02:00 EST becomes 03:00 EDT
            assertThat(localFires("15 2 * * *", NEW_YORK, "2026-03-07T12:00", 2))
                    .containsExactly("2026-03-08T03:00-04:00", "2026-03-09T02:15-04:00");
            assertThat(localFires("0 6 * * *", NEW_YORK, "2026-03-07T12:00", 2))
                    .containsExactly("2026-03-08T06:00-04:00", "2026-03-09T06:00-04:00");
        }

        @Test
        @DisplayName("a local time that happens twice fires at its first occurrence only")
        void overlapFiresOnce() {
            // Berlin 2026-10-25: 03:00 CEST becomes 02:00 CET (01:00Z); 02:00-02:59 happens twice
            assertThat(localFires("30 2 * * *", BERLIN, "2026-10-24T12:00", 2))
                    .containsExactly("2026-10-25T02:30+02:00", "2026-10-26T02:30+01:00");
            assertThat(localFires("0 * * * *", BERLIN, "2026-10-25T00:30", 4))
                    .containsExactly("2026-10-25T01:00+02:00", "2026-10-25T02:00+02:00", "2026-10-25T03:00+01:00",
                            "2026-10-25T04:00+01:00");
            assertThat(localFires("*/20 2 * * *", BERLIN, "2026-10-25T01:50", 4))
                    .containsExactly("2026-10-25T02:00+02:00", "2026-10-25T02:20+02:00", "2026-10-25T02:40+02:00",
                            "2026-10-26T02:00+01:00");
        }

        @Test
        @DisplayName("asked from inside the repeated hour (a replica starting then), the repeated local times still do not fire")
        void overlapFromInside() {
            Instant firstPass = ZonedDateTime.ofStrict(LocalDateTime.parse("2026-10-25T02:45"), ZoneOffset.ofHours(2), BERLIN)
                    .toInstant();
            Instant secondPass = ZonedDateTime.ofStrict(LocalDateTime.parse("2026-10-25T02:10"), ZoneOffset.ofHours(1), BERLIN)
                    .toInstant();

            for (Instant from : List.of(firstPass, secondPass)) {
                assertThat(inZone(fires(cron("30 2 * * *", BERLIN), from, 1), BERLIN)).containsExactly("2026-10-26T02:30+01:00");
                assertThat(inZone(fires(cron("0 * * * *", BERLIN), from, 1), BERLIN)).containsExactly("2026-10-25T03:00+01:00");
            }
        }

        @Test
        @DisplayName("in UTC every fire time is an equal step apart, whatever the local clocks do")
        void utcHasNoSurprises() {
            List<Instant> fires = fires(cron("0 * * * *", ZoneOffset.UTC), Instant.parse("2026-10-24T22:30:00Z"), 6);

            for (int i = 1; i < fires.size(); i++) {
                assertThat(fires.get(i)).isEqualTo(fires.get(i - 1).plusSeconds(3600));
            }
        }
    }

    @Nested
    @DisplayName("bad expressions")
    class BadExpressions {

        @ParameterizedTest(name = "''{0}''")
        @ValueSource(strings = {"", "   ", "* * * *", "0 6 * * * *", "61 * * * *", "0 24 * * *", "0 6 32 * *", "0 6 * 13 *",
                "0 6 * * 8", "@daily", "0 6 ? * *", "0 6 L * *", "0 6 * * MON#2", "every day", "0 6 * * FOO", "a b c d e"})
        @DisplayName("are refused with IllegalArgumentException naming the expression and the format")
        void refused(String expression) {
            assertThatThrownBy(() -> cron(expression, ZoneOffset.UTC)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + expression + "'").hasMessageContaining("5 Unix cron fields");
        }

        @Test
        @DisplayName("an expression that never fires is refused")
        void neverFires() {
            assertThatThrownBy(() -> cron("0 0 31 2 *", ZoneOffset.UTC)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'0 0 31 2 *'").hasMessageContaining("never fires");
        }

        @Test
        @DisplayName("control characters are not echoed raw, and null expression or zone is a NullPointerException")
        void garbage() {
            assertThatThrownBy(() -> cron("0 6 * * *\n\u001b[31m", ZoneOffset.UTC)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("\\u000a").hasMessageNotContaining("\u001b");
            assertThatThrownBy(() -> cron(null, ZoneOffset.UTC)).isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> cron("0 6 * * *", null)).isInstanceOf(NullPointerException.class);
        }
    }
}
