package io.duckdag.cli;

import io.duckdag.Failpoints;
import io.duckdag.engine.Maintenance;
import io.duckdag.pipeline.Pipeline;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "rollback", description = "Put back the data that a run's swap of a table replaced (default: the latest such run).")
final class RollbackCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    PipelineOptions options;

    @Option(names = "--table", required = true, paramLabel = "TABLE", description = "The table to roll back.")
    String table;

    @Option(names = "--run", paramLabel = "RUN_ID", description = "The run whose swap to undo (default: the latest that swapped the table).")
    String runId;

    @Override
    public Integer call() {
        Pipeline pipeline = options.load(main);
        List<String> done = new Maintenance(main.clock, Failpoints.fromEnvironment(main.env))
                .rollback(pipeline, table, Optional.ofNullable(runId), line -> main.out.println(line));
        main.out.println("Rolled back " + done.size() + " partition" + (done.size() == 1 ? "" : "s") + " of " + table
                + "; run sync-metadata (or the pipeline) to refresh the views if they changed.");
        return 0;
    }
}
