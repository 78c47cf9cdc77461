package io.duckdag.cli;

import io.duckdag.pipeline.Pipeline;
import io.duckdag.plan.GraphRenderer;
import io.duckdag.plan.Planner;
import io.duckdag.plan.StepGraph;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "graph", description = "Print the expanded DAG as text, Graphviz dot or Mermaid.")
final class GraphCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    PipelineOptions options;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
            description = "text, dot or mermaid (default: ${DEFAULT-VALUE}).")
    GraphRenderer.Format format;

    @Override
    public Integer call() {
        Pipeline pipeline = options.load(main);
        StepGraph graph = Planner.graph(pipeline);
        GraphRenderer.render(pipeline.name(), graph, format, main.out);
        return 0;
    }
}
