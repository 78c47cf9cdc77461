package io.duckdag.steps;

import io.duckdag.pipeline.StepConfig;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a command: a string with {@code sh -c}, a list as an argv. Its output goes to the
 * step log; its exit code decides. On cancel the whole process tree is stopped (TERM, then
 * KILL after a grace period), so a timed-out downloader leaves no children behind.
 */
public final class ShellStep implements StepExecutor {
    /** How long a command that died of a signal waits for the run's own interrupt to arrive. */
    static final java.time.Duration SIGNAL_GRACE = java.time.Duration.ofSeconds(2);

    @Override
    public StepResult execute(StepContext ctx) throws Exception {
        StepConfig.Shell shell = (StepConfig.Shell) ctx.step().config();
        List<String> command = shell.script().map(s -> List.of("sh", "-c", s)).orElse(shell.argv());
        Path workdir = shell.workdir().orElse(Path.of("."));
        if (!Files.isDirectory(workdir)) {
            throw new StepFailedException("workdir " + workdir + " is not a folder; create it or fix 'workdir' in step " + ctx.step().id());
        }
        ProcessBuilder pb = new ProcessBuilder(command).directory(workdir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(ctx.logFile().toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(shell.env());
        pb.environment().put("DUCKDAG_RUN_ID", ctx.runId());
        pb.environment().put("DUCKDAG_STEP_ID", ctx.step().id());
        pb.environment().put("DUCKDAG_PIPELINE", ctx.pipeline().name());
        ctx.log().println("$ " + String.join(" ", command) + "   (in " + workdir + ")");
        ctx.log().flush();
        long outputStart = outputStart(ctx.logFile());

        Process process;
        try {
            process = pb.start();
        } catch (java.io.IOException e) {
            // Not retried either: the program is missing or not executable, as with exit 127 and 126.
            throw new StepFailedException("cannot start " + command.get(0) + ": " + e.getMessage() + "; not retried", List.of(), false);
        }
        ctx.processStarted().accept(process.pid());
        int exit;
        try (AutoCloseable stop = ctx.cancellation().onCancel(() -> Processes.stopTree(process.toHandle()))) {
            exit = process.waitFor();
        } catch (InterruptedException e) {
            Processes.stopTree(process.toHandle());
            Thread.currentThread().interrupt();
            throw new StepCancelledException("interrupted");
        }
        if (exit == 130 || exit == 143) {
            // Dead of SIGINT or SIGTERM (or a shell saying so): a terminal's Ctrl-C reaches the
            // whole process group, so the command often dies of it before duckdag's own handler has
            // cancelled the run. Give the handler a moment, so the step is recorded interrupted
            // (and resumable), not failed.
            ctx.cancellation().sleep(SIGNAL_GRACE);
        }
        ctx.cancellation().throwIfCancelled();
        if (exit != 0) {
            throw failure(exit, OutputTail.of(ctx.logFile(), outputStart));
        }
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("exit_code", exit);
        return StepResult.of(metrics);
    }

    /**
     * The shell's own codes for a command it could not find (127) or not execute (126) are not
     * worth retrying: the next attempt would fail the same way, after waiting for nothing.
     */
    static StepFailedException failure(int exit, java.util.List<String> tail) {
        return switch (exit) {
            case 127 -> new StepFailedException("command not found (exit 127): not retried; check its spelling and the PATH"
                    + " (the command's output says which program is missing)", tail, false);
            case 126 -> new StepFailedException("command not executable (exit 126): not retried; check that the file is"
                    + " executable (chmod +x) and is a program or script", tail, false);
            default -> new StepFailedException("command exited with code " + exit, tail, true);
        };
    }

    /** Where this attempt's output begins in the log: the command appends after what is there. */
    private static long outputStart(Path log) {
        try {
            return Files.size(log);
        } catch (java.io.IOException e) {
            return 0;
        }
    }
}
