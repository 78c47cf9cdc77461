package io.duckdag.cli;

import io.duckdag.DuckdagException;
import io.duckdag.plan.Plan;
import io.duckdag.plan.PlanRenderer;
import java.util.Optional;
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

    @Mixin
    SelectionOptions selection;

    @Option(names = "--json", description = "Print the plan as JSON.")
    boolean json;

    // The plan always says why each step runs or is skipped; the flag is accepted so that plan
    // takes what 'run --explain' takes and means the same.
    @Option(names = "--explain", description = "Say why each step runs or is skipped (a plan always does; as run --explain).")
    boolean explain;

    @Override
    public Integer call() {
        return print(main, options, selection, json);
    }

    static int print(Main main, PipelineOptions options, SelectionOptions selection, boolean json) {
        Plan plan = options.engine(main).plan(options.request(selection.resuming(), selection.resumeRunId(),
                selection.selection(), Optional.empty()));
        if (!plan.errors().isEmpty()) {
            throw DuckdagException.usage(String.join("\nerror: ", plan.errors()));
        }
        if (json) {
            PlanRenderer.json(plan, main.out);
        } else {
            PlanRenderer.text(plan, main.out);
            if (plan.resuming().isEmpty()) {
                options.store(plan.pipeline()).latestUnfinished().ifPresent(r -> main.out.println("Note: run " + r.runId()
                        + " is unfinished (" + r.status().word() + "); 'duckdag run " + options.file() + " --resume' would resume it."));
            }
        }
        return 0;
    }
}
