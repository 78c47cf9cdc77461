package io.duckdag.cli;

import io.duckdag.engine.RunOutcome;
import io.duckdag.plan.PlanId;
import io.duckdag.plan.PlanRenderer;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "run", description = "Run a pipeline: a new run, or resume one with --resume. --dry-run prints the plan instead.")
final class RunCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    PipelineOptions options;

    @Mixin
    SelectionOptions selection;

    @Option(names = "--dry-run", description = "Print the plan; change nothing on disk, not even state.")
    boolean dryRun;

    @Option(names = "--json", description = "With --dry-run: print the plan as JSON.")
    boolean json;

    @Option(names = "--plan", paramLabel = "PLAN_ID", description = "Refuse to run unless the plan is still the one 'duckdag plan' printed with this id.")
    String planId;

    @Option(names = "--explain", description = "Print the plan, with why each step runs or is skipped, before running.")
    boolean explain;

    @Option(names = {"-q", "--quiet"}, description = "Print only failures, retries and the last line (for cron); the step table too when the run did not succeed.")
    boolean quiet;

    @Option(names = "--no-color", description = "No colour on a terminal (so does the NO_COLOR environment variable).")
    boolean noColor;

    /** A terminal gets the live progress line and colour; a pipe or a file plain lines. */
    ConsoleListener.Style style() {
        boolean terminal = System.console() != null && !"dumb".equals(main.env.get("TERM"));
        boolean colour = terminal && !noColor && (main.env.get("NO_COLOR") == null || main.env.get("NO_COLOR").isEmpty());
        return new ConsoleListener.Style(terminal, colour, quiet);
    }

    @Override
    public Integer call() {
        if (dryRun) {
            return PlanCommand.print(main, options, selection, json);
        }
        Optional<PlanId> reviewed = Optional.ofNullable(planId).map(PlanId::parse);
        io.duckdag.lake.SqlTrace.verbose(options.verbose); // the lake steps' SQL and file lists into their logs
        var request = options.request(selection.resuming(), selection.resumeRunId(), selection.selection(), reviewed);
        var engine = options.engine(main);
        if (explain) {
            PlanRenderer.text(engine.plan(request), main.out);
            main.out.println();
        }
        try {
            RunOutcome outcome = engine.run(request, new ConsoleListener(main.out, main.clock, options.file().toString(), style()), main.interrupt);
            return outcome.exitCode().code();
        } finally {
            io.duckdag.lake.SqlTrace.verbose(false);
        }
    }
}
