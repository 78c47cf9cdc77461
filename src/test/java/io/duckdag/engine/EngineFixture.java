package io.duckdag.engine;

import io.duckdag.ExitCode;
import io.duckdag.Failpoints;
import io.duckdag.kind.Cancellation;
import io.duckdag.plan.Plan;
import io.duckdag.plan.PlanId;
import io.duckdag.plan.Selection;
import io.duckdag.state.RunRecord;
import io.duckdag.state.RunStore;
import io.duckdag.state.StepRecord;
import io.duckdag.steps.StandardKinds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A pipeline file in a temporary folder whose steps run in that folder and whose state is kept
 * there too. {@code pipeline} is the YAML after a header that sets state_dir.
 */
final class EngineFixture {
    final Path dir;
    final Path file;
    final Path stateDir;
    final Map<String, String> env;

    EngineFixture(Path dir, String name, String steps) throws IOException {
        this(dir, name, steps, Map.of());
    }

    EngineFixture(Path dir, String name, String body, Map<String, String> env) throws IOException {
        this.dir = dir;
        this.file = dir.resolve(name + ".yaml");
        this.stateDir = dir.resolve("state");
        this.env = env;
        write(body);
        this.name = name;
    }

    private final String name;

    void write(String body) throws IOException {
        String yaml = "pipeline: " + file.getFileName().toString().replace(".yaml", "") + "\n"
                + "settings: { state_dir: " + dir.resolve("state") + ", max_parallel: 2,"
                + " duckdb: { temp_directory: " + dir.resolve("tmp") + " } }\n" + body;
        Files.writeString(file, yaml.replace("$DIR", dir.toString()));
    }

    Engine engine() {
        return new Engine(env, Clock.systemDefaultZone(), Failpoints.fromEnvironment(env), StandardKinds.all());
    }

    RunOutcome run() {
        return run(RunRequest.newRun(file), new Cancellation());
    }

    RunOutcome resume() {
        return run(new RunRequest(file, Map.of(), Optional.empty(), true, Optional.empty(), Selection.ALL, Optional.empty()),
                new Cancellation());
    }

    RunOutcome run(RunRequest request, Cancellation interrupt) {
        return engine().run(request, RunListener.SILENT, interrupt);
    }

    Plan planResume() {
        return engine().plan(new RunRequest(file, Map.of(), Optional.empty(), true, Optional.empty(), Selection.ALL, Optional.empty()));
    }

    RunRequest request(boolean resume, Selection selection, Optional<PlanId> plan) {
        return new RunRequest(file, Map.of(), Optional.empty(), resume, Optional.empty(), selection, plan);
    }

    RunStore store() {
        return new RunStore(stateDir, name);
    }

    RunRecord latest() {
        return store().latest().orElseThrow();
    }

    StepRecord step(String id) {
        return latest().step(id).orElseThrow();
    }

    List<String> lines(String relative) throws IOException {
        Path p = dir.resolve(relative);
        return Files.exists(p) ? Files.readAllLines(p) : List.of();
    }

    static ExitCode code(RunOutcome o) {
        return o.exitCode();
    }
}
