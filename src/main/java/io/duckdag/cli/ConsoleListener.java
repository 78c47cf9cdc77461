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

/**
 * Prints one line per step as it starts and ends, with the time, and a summary table at the end.
 * While a step runs longer than a second, its progress is shown: on a terminal as one live line
 * redrawn in place, elsewhere (a pipe, cron's mail) as a plain line every few seconds.
 */
final class ConsoleListener implements RunListener {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");
    /** How the console is written: a terminal (live line, colour) or not; quiet (cron) or not. */
    record Style(boolean terminal, boolean colour, boolean quiet) {
        static final Style PLAIN = new Style(false, false, false);
    }

    private static final long LIVE_EVERY_MS = 200;
    private static final long PLAIN_EVERY_MS = 5000;
    private static final long QUIET_FIRST_MS = 1000;

    /** Under the text of a step line: the width of its time and its word. */
    private static final String OUTPUT_INDENT = " ".repeat(18);
    private final PrintWriter out;
    private final Clock clock;
    private final String file;
    private final Style style;
    private final java.util.Map<String, Long> startedAt = new java.util.LinkedHashMap<>();
    private final java.util.Map<String, String> progress = new java.util.LinkedHashMap<>();
    private final java.util.Map<String, Long> lastPlain = new java.util.HashMap<>();
    private long lastLive;
    private boolean liveShown;

    ConsoleListener(PrintWriter out, Clock clock, String file) {
        this(out, clock, file, Style.PLAIN);
    }

    ConsoleListener(PrintWriter out, Clock clock, String file, Style style) {
        this.out = out;
        this.clock = clock;
        this.file = file;
        this.style = style;
    }

    @Override
    public synchronized void stepProgress(String stepId, String text) {
        Long since = startedAt.get(stepId);
        long now = clock.millis();
        if (style.quiet() || since == null || now - since < QUIET_FIRST_MS) {
            return;
        }
        progress.put(stepId, text);
        if (style.terminal()) {
            if (now - lastLive >= LIVE_EVERY_MS) {
                lastLive = now;
                drawLive(now);
            }
        } else if (now - lastPlain.getOrDefault(stepId, since) >= PLAIN_EVERY_MS) {
            lastPlain.put(stepId, now);
            line("running", stepId + " " + text + " (" + RunTable.duration(Duration.ofMillis(now - since)) + ")");
        }
    }

    /** The running steps' progress on one line, redrawn in place, cut to the terminal's width. */
    private void drawLive(long now) {
        StringBuilder b = new StringBuilder();
        for (java.util.Map.Entry<String, String> e : progress.entrySet()) {
            b.append(b.length() > 0 ? " | " : "").append(e.getKey()).append(" ").append(e.getValue()).append(" (")
                    .append(RunTable.duration(Duration.ofMillis(now - startedAt.getOrDefault(e.getKey(), now)))).append(")");
        }
        int width = terminalWidth() - 1;
        String text = b.length() > width ? b.substring(0, Math.max(0, width - 3)) + "..." : b.toString();
        out.print("\r\033[K" + text);
        out.flush();
        liveShown = true;
    }

    private static int terminalWidth() {
        try {
            return Math.max(40, Integer.parseInt(System.getenv().getOrDefault("COLUMNS", "120")));
        } catch (NumberFormatException e) {
            return 120;
        }
    }

    private void clearLive() {
        if (liveShown) {
            out.print("\r\033[K");
            liveShown = false;
        }
    }

    @Override
    public synchronized void runStarted(Plan plan, RunRecord record) {
        if (style.quiet()) {
            return;
        }
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
        if (style.quiet()) {
            return;
        }
        line("cleanup", "removed " + what);
    }

    @Override
    public synchronized void stepStarted(String stepId, int attempt, int maxAttempts) {
        startedAt.put(stepId, clock.millis());
        if (style.quiet()) {
            return;
        }
        line("start", stepId + (attempt > 1 ? " (attempt " + attempt + " of " + maxAttempts + ")" : ""));
    }

    @Override
    public synchronized void stepRetrying(String stepId, int attempt, int maxAttempts, String error, Duration delay) {
        line("retry", stepId + ": attempt " + attempt + " of " + maxAttempts + " failed: " + error
                + "; next attempt in " + RunTable.duration(delay));
    }

    @Override
    public synchronized void stepEnded(StepRecord step, String logFile) {
        startedAt.remove(step.id());
        progress.remove(step.id());
        lastPlain.remove(step.id());
        if (style.quiet() && (step.status() == StepStatus.SUCCEEDED || step.status() == StepStatus.SKIPPED)) {
            return;
        }
        String took = RunTable.duration(step).map(d -> " (" + d + ")").orElse("");
        switch (step.status()) {
            case SUCCEEDED -> line("ok", step.id() + took + RunTable.metrics(step.metrics()));
            // The output's lines go with the FAILED line, before a live progress line is drawn again.
            case FAILED -> line("FAILED", step.id() + took + ": " + step.error() + (logFile == null ? "" : " [log: " + logFile + "]")
                    + RunTable.outputTail(step, OUTPUT_INDENT));
            case INTERRUPTED -> line("stopped", step.id() + took + ": interrupted");
            case UPSTREAM_FAILED -> line("not run", step.id() + ": " + step.reason());
            case SKIPPED -> line("skip", step.id() + " (" + step.reason() + ")");
            default -> line(step.status().word(), step.id());
        }
    }

    @Override
    public synchronized void runEnded(RunRecord record) {
        clearLive();
        boolean table = !style.quiet() || record.status() != io.duckdag.state.RunStatus.SUCCEEDED;
        if (table) {
            out.println();
            RunTable.print(record, out);
            out.println();
        }
        java.io.StringWriter perTable = new java.io.StringWriter();
        RunTable.tables(record, new PrintWriter(perTable));
        if (!style.quiet() && !perTable.toString().isEmpty()) {
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
        clearLive();
        String word = String.format("%-8s", what);
        if (style.colour()) {
            String code = switch (what) {
                case "ok" -> "32";
                case "FAILED" -> "1;31";
                case "retry", "stopped", "not run" -> "33";
                case "skip", "cleanup", "running" -> "2";
                default -> null;
            };
            word = code == null ? word : "\033[" + code + "m" + what + "\033[0m" + word.substring(what.length());
        }
        out.println(LocalTime.now(clock).format(TIME) + " " + word + " " + text);
        out.flush();
        if (style.terminal() && !progress.isEmpty()) {
            drawLive(clock.millis());
        }
    }
}
