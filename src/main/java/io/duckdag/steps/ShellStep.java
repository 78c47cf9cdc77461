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

        Process process;
        try {
            process = pb.start();
        } catch (java.io.IOException e) {
            throw new StepFailedException("cannot start " + command.get(0) + ": " + e.getMessage());
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
            throw new StepFailedException("command exited with code " + exit);
        }
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("exit_code", exit);
        return StepResult.of(metrics);
    }
}
