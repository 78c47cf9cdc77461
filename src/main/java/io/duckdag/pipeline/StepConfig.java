package io.duckdag.pipeline;

/**
 * The typed, interpolated {@code with:} of one expanded step. Each step kind declares its own
 * record, beside the code that binds and runs it.
 */
public interface StepConfig {
}
