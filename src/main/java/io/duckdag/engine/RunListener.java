package io.duckdag.engine;

import io.duckdag.plan.Plan;
import io.duckdag.state.RunRecord;
import io.duckdag.state.StepRecord;
import java.time.Duration;

/** What the engine tells the outside while it runs: the CLI prints it, tests may collect it. */
public interface RunListener {
    RunListener SILENT = new RunListener() {
    };

    /** A swap or rollback that a killed run left half done was finished before anything else. */
    default void recovered(String description) {
    }

    default void runStarted(Plan plan, RunRecord record) {
    }

    /** Housekeeping after a successful run: what was removed. */
    default void cleanedUp(String what) {
    }

    default void stepStarted(String stepId, int attempt, int maxAttempts) {
    }

    default void stepRetrying(String stepId, int attempt, int maxAttempts, String error, Duration delay) {
    }

    default void stepEnded(StepRecord step, String logFile) {
    }

    /** How far a running step has got, in its own words; called often, from the step's threads. */
    default void stepProgress(String stepId, String text) {
    }

    default void runEnded(RunRecord record) {
    }
}
