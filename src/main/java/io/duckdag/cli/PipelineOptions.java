package io.duckdag.cli;

import io.duckdag.DuckdagException;
import io.duckdag.Failpoints;
import io.duckdag.engine.Engine;
import io.duckdag.engine.RunRequest;
import io.duckdag.pipeline.Pipeline;
import io.duckdag.pipeline.PipelineLoader;
import io.duckdag.plan.PlanId;
import io.duckdag.plan.Selection;
import io.duckdag.state.RunId;
import io.duckdag.state.RunStore;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The pipeline file and the options every command that reads one takes. */
final class PipelineOptions {
    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "The pipeline YAML file.")
    Path file;

    @Option(names = "--param", paramLabel = "KEY=VALUE", description = "Override a param declared in the pipeline (repeatable).")
    Map<String, String> params = new LinkedHashMap<>();

    @Option(names = "--state-dir", paramLabel = "DIR", description = "Where runs and checkpoints are kept (default: settings.state_dir).")
    Path stateDir;

    @Option(names = "--verbose", description = "Print stack traces with errors; with run, also the SQL and the files each lake step reads and writes, in its log.")
    boolean verbose;

    Path file() {
        if (file == null) {
            throw DuckdagException.usage("the pipeline FILE is missing; for example 'duckdag run pipelines/nightly.yaml'");
        }
        return file;
    }

    /** The pipeline, loaded and validated for a run that would start now. */
    Pipeline load(Main main) {
        Pipeline pipeline = new PipelineLoader(main.env, main.kinds).load(file(), params, RunId.at(main.clock).value(),
                LocalDate.now(main.clock).toString());
        return stateDir == null ? pipeline : pipeline.withSettings(pipeline.settings().withStateDir(stateDir));
    }

    /** The pipeline's runs as the read-only commands show them: a run whose process is gone reads interrupted. */
    RunStore store(Pipeline pipeline) {
        return new RunStore(pipeline.settings().stateDir(), pipeline.name()).seenNow();
    }

    Engine engine(Main main) {
        return new Engine(main.env, main.clock, Failpoints.fromEnvironment(main.env), main.kinds);
    }

    RunRequest request(boolean resume, Optional<String> resumeRunId, Selection selection, Optional<PlanId> reviewed) {
        return new RunRequest(file(), params, Optional.ofNullable(stateDir), resume, resumeRunId, selection, reviewed);
    }
}
