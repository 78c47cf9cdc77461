package io.duckdag.engine;

import io.duckdag.ExitCode;
import io.duckdag.state.RunRecord;

/** How a run ended, and the exit code that says it. */
public record RunOutcome(RunRecord record, ExitCode exitCode) {
}
