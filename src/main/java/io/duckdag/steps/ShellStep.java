package io.duckdag.steps;

import io.duckdag.kind.Cancellation;
import io.duckdag.kind.PlanContext;
import io.duckdag.kind.Processes;
import io.duckdag.kind.StepCancelledException;
import io.duckdag.kind.StepContext;
import io.duckdag.kind.StepDescription;
import io.duckdag.kind.StepFailedException;
import io.duckdag.kind.KindBase;
import io.duckdag.kind.StepResult;
import io.duckdag.pipeline.Binding;
import io.duckdag.pipeline.Node;
import io.duckdag.pipeline.Nodes;
import io.duckdag.pipeline.PipelineException;
import io.duckdag.pipeline.StepConfig;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Runs a command: a string with {@code sh -c}, a list as an argv. Its output goes to the
 * step log; its exit code decides. On cancel the whole process tree is stopped (TERM, then
 * KILL after a grace period), so a timed-out downloader leaves no children behind.
 */
public final class ShellStep extends KindBase<ShellStep.Config> {
    /** How long a command that died of a signal waits for the run's own interrupt to arrive. */
    static final java.time.Duration SIGNAL_GRACE = java.time.Duration.ofSeconds(2);
    private static final Set<String> WITH_KEYS = Set.of("command", "env", "workdir");

    /** A string runs with {@code sh -c}, a list runs as an argv without a shell. */
    public record Config(Optional<String> script, List<String> argv, Map<String, String> env, Optional<Path> workdir)
            implements StepConfig {
        public Config {
            argv = List.copyOf(argv);
            env = Collections.unmodifiableMap(new LinkedHashMap<>(env));
        }
    }

    public ShellStep() {
        super("shell", Config.class, Role.FEEDS_LAKE, WITH_KEYS);
    }

    @Override
    public Config bind(Node.Mapping with, Binding binding) {
        Nodes.allowOnly(with, WITH_KEYS, binding.where());
        Node command = Nodes.required(with, "command", binding.where());
        Optional<String> script = Optional.empty();
        List<String> argv = List.of();
        if (command instanceof Node.Sequence) {
            argv = Nodes.texts(command, "command");
            if (argv.isEmpty()) {
                throw new PipelineException(command.location(), "command must not be an empty list");
            }
        } else {
            script = Optional.of(Nodes.text(command, "command"));
            if (script.get().isBlank()) {
                throw new PipelineException(command.location(), "command must not be empty");
            }
        }
        Map<String, String> env = new LinkedHashMap<>();
        Optional<Node> envNode = with.get("env");
        if (envNode.isPresent()) {
            for (Node.Entry e : Nodes.mapping(envNode.get(), "env").entries()) {
                if (!e.key().matches("[A-Za-z_][A-Za-z0-9_]*")) {
                    throw new PipelineException(e.keyLocation(), "'" + e.key() + "' is not a valid environment variable name");
                }
                env.put(e.key(), Nodes.text(e.value(), "env." + e.key()));
            }
        }
        return new Config(script, argv, env, Nodes.optionalText(with, "workdir", "workdir").map(Path::of));
    }

    @Override
    public StepDescription describe(Config s, PlanContext context) {
        String command = s.script().map(c -> "sh -c " + quoted(context.redact(c))).orElseGet(() -> context.redact(String.join(" ", s.argv())));
        return new StepDescription("run " + command + " in " + s.workdir().orElse(Path.of(".")), List.of(), List.of());
    }

    private static String quoted(String command) {
        String oneLine = command.strip().replace("\n", "; ");
        return "'" + (oneLine.length() > 80 ? oneLine.substring(0, 77) + "..." : oneLine) + "'";
    }

    @Override
    public StepResult execute(Config shell, StepContext ctx) throws Exception {
        List<String> command = shell.script().map(s -> List.of("sh", "-c", s)).orElse(shell.argv());
        Path workdir = shell.workdir().orElse(Path.of("."));
        if (!Files.isDirectory(workdir)) {
            throw new StepFailedException("workdir " + workdir + " is not a folder; create it or fix 'workdir' in step " + ctx.step().id());
        }
        // The output goes straight to the log, unless the step was given values from the
        // environment: then it is copied line by line with those values taken out.
        boolean redact = !ctx.step().secrets().isEmpty();
        ProcessBuilder pb = new ProcessBuilder(command).directory(workdir.toFile()).redirectErrorStream(true)
                .redirectOutput(redact ? ProcessBuilder.Redirect.PIPE : ProcessBuilder.Redirect.appendTo(ctx.logFile().toFile()))
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
        Thread copier = redact ? copyRedacted(process, ctx) : null;
        int exit;
        // The tree is stopped on the cancelling thread; the step waits for that to end, so that no
        // child (one the shell left in the background) outlives the step's failure.
        java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
        try (AutoCloseable stop = ctx.cancellation().onCancel(() -> {
            try {
                Processes.stopTree(process.toHandle());
            } finally {
                stopped.countDown();
            }
        })) {
            exit = process.waitFor();
            if (ctx.cancellation().isCancelled()) {
                stopped.await(Processes.GRACE_MILLIS + 2000, java.util.concurrent.TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Processes.stopTree(process.toHandle());
            Thread.currentThread().interrupt();
            throw new StepCancelledException("interrupted");
        }
        if (copier != null) {
            copier.join(SIGNAL_GRACE.toMillis()); // a child left in the background may hold the output open
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

    /** Copies the command's output into the log a line at a time, through the step's redaction. */
    private static Thread copyRedacted(Process process, StepContext ctx) {
        Thread t = new Thread(() -> {
            try (java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream(),
                    java.nio.charset.StandardCharsets.UTF_8));
                 java.io.Writer log = Files.newBufferedWriter(ctx.logFile(), java.nio.charset.StandardCharsets.UTF_8,
                         java.nio.file.StandardOpenOption.APPEND)) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    log.write(ctx.step().redact(line));
                    log.write('\n');
                    log.flush();
                }
            } catch (java.io.IOException e) {
                // the process was stopped, or the log cannot be written: the exit code still decides
            }
        }, "duckdag-output-" + ctx.step().id());
        t.setDaemon(true);
        t.start();
        return t;
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
