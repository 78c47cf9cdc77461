package io.duckdag.steps;

/** The behaviour of one step type. Implementations must be safe to run again after a crash. */
public interface StepExecutor {
    StepResult execute(StepContext context) throws Exception;
}
