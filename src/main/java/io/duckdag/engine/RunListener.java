package io.duckdag.engine;

import io.duckdag.plan.Plan;
import io.duckdag.state.RunRecord;
import io.duckdag.state.StepRecord;
import java.time.Duration;

/** What the engine tells the outside while it runs: the CLI prints it, tests may collect it. */
public interface RunListener {
    RunListener SILENT = new RunListener() {
    };

    default void runStarted(Plan plan, RunRecord record) {
    }

    default void stepStarted(String stepId, int attempt, int maxAttempts) {
    }

    default void stepRetrying(String stepId, int attempt, int maxAttempts, String error, Duration delay) {
    }

    default void stepEnded(StepRecord step, String logFile) {
    }

    default void runEnded(RunRecord record) {
    }
}
