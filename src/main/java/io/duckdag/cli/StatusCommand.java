package io.duckdag.cli;

import io.duckdag.DuckdagException;
import io.duckdag.pipeline.Pipeline;
import io.duckdag.state.RunRecord;
import io.duckdag.state.RunStore;
import io.duckdag.state.StateJson;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "status", description = "The steps of the latest (or named) run: status, duration, attempts, metrics.")
final class StatusCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    PipelineOptions options;

    @Option(names = "--run", paramLabel = "RUN_ID", description = "The run to show (default: the latest).")
    String runId;

    @Option(names = "--json", description = "Print the run record as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Pipeline pipeline = options.load(main);
        RunStore store = options.store(pipeline);
        RunRecord record = (runId == null ? store.latest() : store.load(runId)).orElseThrow(() -> DuckdagException.usage(
                runId == null ? "pipeline " + pipeline.name() + " has not run yet (no runs in " + store.root() + "); start it with 'duckdag run "
                        + options.file() + "'"
                        : "pipeline " + pipeline.name() + " has no run " + runId + "; 'duckdag runs " + options.file() + "' lists its runs"));
        if (json) {
            main.out.println(StateJson.MAPPER.writeValueAsString(record));
            return 0;
        }
        main.out.println("run " + record.runId() + " of pipeline " + record.pipeline() + ": " + record.status().word()
                + " (" + (record.isProcessGone() ? "its process is gone; " : "") + "started " + RunTable.time(record.startedAt(), main.clock.getZone())
                + (record.endedAt() == null ? "" : ", ended " + RunTable.time(record.endedAt(), main.clock.getZone()))
                + (record.resumedAt().isEmpty() ? "" : ", resumed " + record.resumedAt().size() + "x") + ")");
        if (!record.params().isEmpty()) {
            main.out.println("params: " + record.params());
        }
        main.out.println();
        RunTable.print(record, main.out, true);
        main.out.println();
        main.out.println("logs: " + store.runDir(record.runId()).resolve("logs"));
        if (record.isProcessGone()) {
            main.out.println("The process of run " + record.runId() + " is gone (killed or crashed); resume it with: duckdag run "
                    + options.file() + " --resume");
        }
        return 0;
    }
}
