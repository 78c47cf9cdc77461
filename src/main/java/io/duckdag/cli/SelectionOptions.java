package io.duckdag.cli;

import io.duckdag.DuckdagException;
import io.duckdag.plan.Selection;
import io.duckdag.state.RunId;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Which run (new or resumed) and which steps: shared by run and plan. */
final class SelectionOptions {
    @Option(names = "--resume", arity = "0..1", fallbackValue = "", paramLabel = "RUN_ID",
            description = "Resume the latest unfinished run, or the run named.")
    String resume;

    @Option(names = "--only", paramLabel = "STEP", description = "Run only this step (a foreach step: all its items; or one item, compact[income]).")
    String only;

    @Option(names = "--from", paramLabel = "STEP", description = "Run this step and everything downstream of it.")
    String from;

    boolean resuming() {
        return resume != null;
    }

    Optional<String> resumeRunId() {
        if (resume == null || resume.isEmpty()) {
            return Optional.empty();
        }
        if (!RunId.isValid(resume)) {
            throw DuckdagException.usage("--resume " + resume + ": not a run id (they look like 20261125-234642-123); "
                    + "put --resume after the pipeline file, as in 'duckdag run FILE --resume'");
        }
        return Optional.of(resume);
    }

    Selection selection() {
        return new Selection(Optional.ofNullable(only), Optional.ofNullable(from));
    }
}
