package dev.exstate.examples.springshop;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The shop's periodic report. It must run once per tick across all instances, whatever their
 * number: an e-mail sent N times is the bug this example exists to avoid.
 */
@Component
public class ReportJob {
    private static final Logger LOG = LoggerFactory.getLogger(ReportJob.class);

    /** One run of the report on this instance: the tick and the fencing token it ran under. */
    public record Run(long tick, long fencingToken) {
    }

    // what this instance ran, for GET /report/runs (the statelessness check counts runs per tick);
    // bounded by the test's duration in practice, and cleared nowhere because it is diagnostic only
    private final List<Run> runs = new CopyOnWriteArrayList<>();

    void ran(long tick, long fencingToken) {
        runs.add(new Run(tick, fencingToken));
        LOG.info("report: tick {} (fencing token {})", tick, fencingToken);
    }

    /** The runs of this instance so far. */
    public List<Run> runs() {
        return List.copyOf(runs);
    }
}
