package io.duckdag.cli;

import io.duckdag.pipeline.Pipeline;
import io.duckdag.pipeline.PipelineLoader;
import io.duckdag.state.RunId;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The pipeline file and the options every command that reads one takes. */
final class PipelineOptions {
    @Parameters(index = "0", paramLabel = "FILE", description = "The pipeline YAML file.")
    Path file;

    @Option(names = "--param", paramLabel = "KEY=VALUE", description = "Override a param declared in the pipeline (repeatable).")
    Map<String, String> params = new LinkedHashMap<>();

    @Option(names = "--state-dir", paramLabel = "DIR", description = "Where runs and checkpoints are kept (default: settings.state_dir).")
    Path stateDir;

    @Option(names = "--verbose", description = "Print stack traces with errors.")
    boolean verbose;

    /** The pipeline, loaded and validated for a run that would start now. */
    Loaded load(Main main) {
        RunId runId = RunId.at(main.clock);
        String runDate = LocalDate.now(main.clock).toString();
        Pipeline pipeline = new PipelineLoader(main.env).load(file, params, runId.value(), runDate);
        if (stateDir != null) {
            pipeline = pipeline.withSettings(pipeline.settings().withStateDir(stateDir));
        }
        return new Loaded(pipeline, runId, runDate);
    }

    record Loaded(Pipeline pipeline, RunId runId, String runDate) {
    }
}
