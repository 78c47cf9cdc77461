package io.duckdag.cli;

import io.duckdag.DuckdagException;
import io.duckdag.ExitCode;
import io.duckdag.pipeline.Pipeline;
import io.duckdag.plan.Planner;
import io.duckdag.plan.StepGraph;
import io.duckdag.state.DurableFiles;
import io.duckdag.state.RunRecord;
import io.duckdag.state.RunStore;
import io.duckdag.state.StepRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "report", description = "Write the latest (or named) run as one self-contained HTML page: graph, timeline, tables, failures.")
final class ReportCommand implements Callable<Integer> {
    /** The line the scheduler writes into a step's log as each attempt starts. */
    private static final Pattern ATTEMPT = Pattern.compile("^=== .* attempt \\d+ of \\d+ at (\\S+)$");

    @ParentCommand
    Main main;

    @Mixin
    PipelineOptions options;

    @Option(names = "--run", paramLabel = "RUN_ID", description = "The run to show (default: the latest).")
    String runId;

    @Option(names = "--out", paramLabel = "FILE", description = "Where to write the page (default: report.html in the run's folder).")
    Path out;

    @Override
    public Integer call() {
        Pipeline pipeline = options.load(main);
        RunStore store = options.store(pipeline);
        RunRecord record = (runId == null ? store.latest() : store.load(runId)).orElseThrow(() -> DuckdagException.usage(
                runId == null ? "pipeline " + pipeline.name() + " has not run yet (no runs in " + store.root() + ")"
                        : "pipeline " + pipeline.name() + " has no run " + runId + "; 'duckdag runs " + options.file() + "' lists its runs"));
        // The edges come from the pipeline as it is now; the steps and their outcomes from the record.
        StepGraph graph = Planner.graph(pipeline);
        Map<String, List<String>> upstream = new HashMap<>();
        Map<String, List<Instant>> attempts = new HashMap<>();
        for (StepRecord step : record.steps().values()) {
            try {
                upstream.put(step.id(), graph.upstreamOf(step.id()));
            } catch (IllegalArgumentException e) {
                upstream.put(step.id(), List.of()); // a step the pipeline no longer has
            }
            attempts.put(step.id(), attemptStarts(store.logFile(record.runId(), step.id())));
        }
        String html = ReportHtml.render(new ReportHtml.Input(record, upstream, attempts, main.clock.getZone()));
        Path target = out != null ? out : store.runDir(record.runId()).resolve("report.html");
        try {
            DurableFiles.writeAtomically(target, html.getBytes(StandardCharsets.UTF_8));
        } catch (UncheckedIOException e) {
            throw new DuckdagException(ExitCode.INVALID, "cannot write the report to " + target + " (" + e.getCause().getMessage()
                    + "); name another file with --out", e);
        }
        main.out.println(target);
        return 0;
    }

    /** When each attempt of a step started, from its log; none when the log is missing. */
    private static List<Instant> attemptStarts(Path log) {
        List<Instant> starts = new ArrayList<>();
        if (!Files.isRegularFile(log)) {
            return starts;
        }
        try (var lines = Files.lines(log, StandardCharsets.UTF_8)) {
            lines.forEach(line -> {
                Matcher m = ATTEMPT.matcher(line);
                if (m.matches()) {
                    try {
                        starts.add(Instant.parse(m.group(1)));
                    } catch (DateTimeParseException e) {
                        // a command's own output that looks like our line: not an attempt
                    }
                }
            });
        } catch (IOException | UncheckedIOException e) {
            return List.of(); // the timeline then shows the last attempt only
        }
        return starts;
    }
}
