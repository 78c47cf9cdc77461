package io.duckdag.cli;

import io.duckdag.DuckdagException;
import io.duckdag.pipeline.Pipeline;
import io.duckdag.plan.Planner;
import io.duckdag.plan.StepGraph;
import java.util.List;
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
        Pipeline pipeline = options.load(main);
        StepGraph graph = Planner.graph(pipeline);
        // Where the lake has files, their footers show a sort_by or key column that is in none of them.
        List<String> missing = Planner.missingColumns(pipeline);
        if (!missing.isEmpty()) {
            throw DuckdagException.usage(String.join("\nerror: ", missing));
        }
        main.out.println(pipeline.file() + ": pipeline " + pipeline.name() + " is valid ("
                + pipeline.steps().size() + " steps, " + graph.size() + " after expansion).");
        return 0;
    }
}
