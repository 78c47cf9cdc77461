package io.duckdag.cli;

import io.duckdag.Failpoints;
import io.duckdag.engine.Maintenance;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

@Command(name = "gc", description = "Remove staging of runs that cannot be resumed and backups beyond keep_backups.")
final class GcCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    PipelineOptions options;

    @Override
    public Integer call() {
        List<String> removed = new Maintenance(main.clock, Failpoints.fromEnvironment(main.env))
                .gc(options.load(main), line -> main.out.println(line));
        if (removed.isEmpty()) {
            main.out.println("Nothing to remove.");
        }
        return 0;
    }
}
