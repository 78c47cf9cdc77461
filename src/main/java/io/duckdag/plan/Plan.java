package io.duckdag.plan;

import io.duckdag.pipeline.Pipeline;
import io.duckdag.state.RunRecord;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a run would do, step by step, in execution order. {@code resuming} is the run being
 * resumed, if any. {@code id} identifies everything the plan was made from (see {@link PlanId}).
 * {@code errors} are what the lake shows to be wrong with the pipeline (a plan with errors is
 * refused, exit 2); {@code warnings} what may go wrong.
 */
public record Plan(
        Pipeline pipeline,
        String runId,
        String runDate,
        StepGraph graph,
        List<PlannedStep> steps,
        Optional<RunRecord> resuming,
        Map<String, String> inputFingerprints,
        PlanId id,
        List<String> errors,
        List<String> warnings) {

    public Plan {
        steps = List.copyOf(steps);
        errors = List.copyOf(errors);
        warnings = List.copyOf(warnings);
        inputFingerprints = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(inputFingerprints));
    }

    public long count(PlannedStep.Action action) {
        return steps.stream().filter(s -> s.action() == action).count();
    }

    public PlannedStep step(String id) {
        return steps.stream().filter(s -> s.step().id().equals(id)).findFirst().orElseThrow();
    }
}
