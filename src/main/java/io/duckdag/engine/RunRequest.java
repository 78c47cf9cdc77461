package io.duckdag.engine;

import io.duckdag.plan.PlanId;
import io.duckdag.plan.Selection;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What the user asked for: which pipeline, with which params, a new run or a resume (of the
 * latest unfinished run, or of a named one), which steps, and optionally the plan they reviewed.
 */
public record RunRequest(
        Path file,
        Map<String, String> params,
        Optional<Path> stateDir,
        boolean resume,
        Optional<String> resumeRunId,
        Selection selection,
        Optional<PlanId> reviewedPlan) {

    public RunRequest {
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    public static RunRequest newRun(Path file) {
        return new RunRequest(file, Map.of(), Optional.empty(), false, Optional.empty(), Selection.ALL, Optional.empty());
    }
}
