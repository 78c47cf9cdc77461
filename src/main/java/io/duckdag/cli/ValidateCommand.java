package io.duckdag.cli;

import io.duckdag.plan.Planner;
import io.duckdag.plan.StepGraph;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

@Command(name = "validate", description = "Parse and validate a pipeline; change nothing.")
final class ValidateCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    PipelineOptions options;

    @Override
    public Integer call() {
        PipelineOptions.Loaded loaded = options.load(main);
        StepGraph graph = new Planner(main.env).graph(loaded.pipeline(), loaded.runId().value(), loaded.runDate());
        main.out.println(loaded.pipeline().file() + ": pipeline " + loaded.pipeline().name() + " is valid ("
                + loaded.pipeline().steps().size() + " steps, " + graph.size() + " after expansion).");
        return 0;
    }
}
