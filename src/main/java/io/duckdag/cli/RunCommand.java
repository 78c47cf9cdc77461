package io.duckdag.cli;

import io.duckdag.DuckdagException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "run", description = "Run a pipeline (or, with --dry-run, print what it would do).")
final class RunCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    PipelineOptions options;

    @Option(names = "--dry-run", description = "Print the plan; change nothing on disk, not even state.")
    boolean dryRun;

    @Option(names = "--json", description = "With --dry-run: print the plan as JSON.")
    boolean json;

    @Override
    public Integer call() {
        if (dryRun) {
            return PlanCommand.print(main, options, json);
        }
        PlanCommand.print(main, options, false);
        throw DuckdagException.usage("this build of duckdag can only plan: step execution is not built yet, so nothing was run");
    }
}
