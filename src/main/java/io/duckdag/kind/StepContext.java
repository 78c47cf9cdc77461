package io.duckdag.kind;

import io.duckdag.Failpoints;
import io.duckdag.pipeline.ExpandedStep;
import io.duckdag.pipeline.Pipeline;
import io.duckdag.state.RunRecord;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * Everything one attempt of a step may use. {@code log} appends to {@code logFile};
 * {@code processStarted} records the pid of a child process so that a later resume can stop
 * it if this run dies. {@code runDir} is the run's state folder (for what a step records
 * between attempts and for the steps after it); {@code pipelineStateDir} the pipeline's.
 * {@code progress} takes a line saying how far a long step has got ("partition 3 of 10 ..."),
 * which the console shows while the step runs; it may be called often, from any thread.
 * {@code runSoFar} is the run's record as it stands now (every step's status, error and metrics).
 */
public record StepContext(
        ExpandedStep step,
        Pipeline pipeline,
        String runId,
        int attempt,
        PrintWriter log,
        Path logFile,
        Cancellation cancellation,
        Failpoints failpoints,
        Map<String, String> env,
        LongConsumer processStarted,
        Path runDir,
        Path pipelineStateDir,
        Consumer<String> progress,
        Supplier<RunRecord> runSoFar) {

    /** The log file of another step of this run. */
    public Path logOf(String stepId) {
        return logFile.resolveSibling(stepId + ".log");
    }
}
