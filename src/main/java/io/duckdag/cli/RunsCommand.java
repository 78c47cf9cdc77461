package io.duckdag.cli;

import io.duckdag.pipeline.Pipeline;
import io.duckdag.state.RunRecord;
import io.duckdag.state.StateJson;
import io.duckdag.state.StepStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "runs", description = "The run history of a pipeline, oldest first.")
final class RunsCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    PipelineOptions options;

    @Option(names = "--json", description = "Print the history as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Pipeline pipeline = options.load(main);
        List<RunRecord> runs = options.store(pipeline).list();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (RunRecord r : runs) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("run_id", r.runId());
            row.put("status", r.status().word());
            row.put("started_at", r.startedAt());
            row.put("ended_at", r.endedAt());
            row.put("resumed", r.resumedAt().size());
            if (r.isProcessGone()) {
                row.put("process_gone", true);
            }
            for (StepStatus s : StepStatus.values()) {
                long n = r.steps().values().stream().filter(x -> x.status() == s).count();
                if (n > 0) {
                    row.put(s.word(), n);
                }
            }
            rows.add(row);
        }
        if (json) {
            main.out.println(StateJson.MAPPER.writeValueAsString(rows));
            return 0;
        }
        if (rows.isEmpty()) {
            main.out.println("pipeline " + pipeline.name() + " has not run yet.");
            return 0;
        }
        main.out.printf("%-22s  %-11s  %-19s  %s%n", "run", "status", "started", "steps");
        for (Map<String, Object> row : rows) {
            StringBuilder steps = new StringBuilder();
            for (StepStatus s : StepStatus.values()) {
                if (row.containsKey(s.word())) {
                    steps.append(steps.length() > 0 ? ", " : "").append(row.get(s.word())).append(' ').append(s.word());
                }
            }
            main.out.printf("%-22s  %-11s  %-19s  %s%n", row.get("run_id"), row.get("status"),
                    RunTable.time((String) row.get("started_at"), main.clock.getZone()),
                    steps + (row.containsKey("process_gone") ? " (its process is gone)" : ""));
        }
        return 0;
    }
}
