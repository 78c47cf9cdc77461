package io.duckdag.cli;

import io.duckdag.engine.RunListener;
import io.duckdag.plan.Plan;
import io.duckdag.plan.PlannedStep;
import io.duckdag.state.RunRecord;
import io.duckdag.state.StepRecord;
import io.duckdag.state.StepStatus;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;

/** Prints one line per step as it starts and ends, with the time, and a summary table at the end. */
final class ConsoleListener implements RunListener {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");
    private final PrintWriter out;
    private final Clock clock;
    private final String file;

    ConsoleListener(PrintWriter out, Clock clock, String file) {
        this.out = out;
        this.clock = clock;
        this.file = file;
    }

    @Override
    public synchronized void runStarted(Plan plan, RunRecord record) {
        String what = plan.resuming().isPresent() ? "resuming run " : "run ";
        out.println(what + record.runId() + " of pipeline " + record.pipeline() + " (" + record.file() + "): "
                + plan.count(PlannedStep.Action.RUN) + " steps to run, " + plan.count(PlannedStep.Action.SKIP) + " to skip");
        for (PlannedStep s : plan.steps()) {
            if (s.action() == PlannedStep.Action.SKIP) {
                line("skip", s.step().id() + " (" + s.reason() + ")");
            }
        }
        out.flush();
    }

    @Override
    public synchronized void recovered(String description) {
        line("recover", "finished an interrupted " + description);
    }

    @Override
    public synchronized void cleanedUp(String what) {
        line("cleanup", "removed " + what);
    }

    @Override
    public synchronized void stepStarted(String stepId, int attempt, int maxAttempts) {
        line("start", stepId + (attempt > 1 ? " (attempt " + attempt + " of " + maxAttempts + ")" : ""));
    }

    @Override
    public synchronized void stepRetrying(String stepId, int attempt, int maxAttempts, String error, Duration delay) {
        line("retry", stepId + ": attempt " + attempt + " of " + maxAttempts + " failed: " + error
                + "; next attempt in " + RunTable.duration(delay));
    }

    @Override
    public synchronized void stepEnded(StepRecord step, String logFile) {
        String took = RunTable.duration(step).map(d -> " (" + d + ")").orElse("");
        switch (step.status()) {
            case SUCCEEDED -> line("ok", step.id() + took + RunTable.metrics(step.metrics()));
            case FAILED -> line("FAILED", step.id() + took + ": " + step.error() + (logFile == null ? "" : " [log: " + logFile + "]"));
            case INTERRUPTED -> line("stopped", step.id() + took + ": interrupted");
            case UPSTREAM_FAILED -> line("not run", step.id() + ": " + step.reason());
            case SKIPPED -> line("skip", step.id() + " (" + step.reason() + ")");
            default -> line(step.status().word(), step.id());
        }
    }

    @Override
    public synchronized void runEnded(RunRecord record) {
        out.println();
        RunTable.print(record, out);
        out.println();
        java.io.StringWriter perTable = new java.io.StringWriter();
        RunTable.tables(record, new PrintWriter(perTable));
        if (!perTable.toString().isEmpty()) {
            out.print(perTable);
            out.println();
        }
        long failed = record.steps().values().stream().filter(s -> s.status() == StepStatus.FAILED).count();
        switch (record.status()) {
            case SUCCEEDED -> out.println("Run " + record.runId() + " succeeded.");
            case PARTIAL -> out.println("Run " + record.runId() + " ran the selected steps; run the rest with: duckdag run " + file + " --resume");
            case INTERRUPTED -> out.println("Run " + record.runId() + " was interrupted; resume it with: duckdag run " + file + " --resume");
            default -> out.println("Run " + record.runId() + " failed (" + failed + " step" + (failed == 1 ? "" : "s")
                    + " failed); fix the cause, then resume it with: duckdag run " + file + " --resume");
        }
        out.flush();
    }

    private void line(String what, String text) {
        out.println(LocalTime.now(clock).format(TIME) + " " + String.format("%-8s", what) + " " + text);
        out.flush();
    }
}
