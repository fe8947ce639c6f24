package dev.exstate.examples.springshop;

import dev.exstate.lease.JobContext;
import dev.exstate.runtime.ProcessLocal;
import dev.exstate.spring.boot.scheduling.Leased;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The shop's periodic report. It must run once per tick across all instances, whatever their
 * number: a report e-mailed N times is the bug this example exists to avoid. {@code @Leased} is
 * all it takes: the method runs on one instance per tick, under a lease whose fencing token it
 * gets.
 */
@Component
public class ReportJob {
    private static final Logger LOG = LoggerFactory.getLogger(ReportJob.class);

    /**
     * One run of the report on this instance.
     *
     * @param tick         the tick, the same number on every instance
     * @param fencingToken the token of the lease it ran under
     * @param finished     false while it runs
     */
    public record Run(long tick, long fencingToken, boolean finished) {
    }

    private final Duration work;
    // what this instance ran, for GET /report/runs; diagnostic, one entry per run of this instance
    @ProcessLocal("diagnostic: the runs of this instance, which GET /report/runs reports per instance")
    private final List<Run> runs = new CopyOnWriteArrayList<>();

    ReportJob(@Value("${shop.report.work:PT0S}") Duration work) {
        this.work = work;
    }

    @Scheduled(fixedRateString = "${shop.report.rate:PT1M}")
    @Leased(name = "report")
    void report(JobContext run) throws InterruptedException {
        Run started = new Run(run.tick(), run.fencingToken(), false);
        runs.add(started);
        LOG.info("report: tick {} (fencing token {})", run.tick(), run.fencingToken());
        // building the report takes a while; a lost lease (or shutdown) interrupts it
        Thread.sleep(work.toMillis());
        runs.set(runs.indexOf(started), new Run(run.tick(), run.fencingToken(), true));
    }

    /** The runs of this instance so far. */
    public List<Run> runs() {
        return List.copyOf(runs);
    }
}
