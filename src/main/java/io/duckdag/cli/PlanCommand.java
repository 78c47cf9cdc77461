package io.duckdag.cli;

import io.duckdag.plan.Plan;
import io.duckdag.plan.PlanRenderer;
import io.duckdag.plan.Planner;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "plan", description = "Print what a run would do; change nothing on disk (same as run --dry-run).")
final class PlanCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    PipelineOptions options;

    @Option(names = "--json", description = "Print the plan as JSON.")
    boolean json;

    @Override
    public Integer call() {
        return print(main, options, json);
    }

    static int print(Main main, PipelineOptions options, boolean json) {
        PipelineOptions.Loaded loaded = options.load(main);
        Plan plan = new Planner(main.env).plan(loaded.pipeline(), loaded.runId().value(), loaded.runDate());
        if (json) {
            PlanRenderer.json(plan, main.out);
        } else {
            PlanRenderer.text(plan, main.out);
        }
        return 0;
    }
}
