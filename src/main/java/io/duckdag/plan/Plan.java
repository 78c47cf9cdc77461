package io.duckdag.plan;

import io.duckdag.pipeline.Pipeline;
import java.util.List;

/** What a run would do, step by step, in execution order. */
public record Plan(Pipeline pipeline, String runId, String runDate, StepGraph graph, List<PlannedStep> steps) {
    public Plan {
        steps = List.copyOf(steps);
    }

    public long count(PlannedStep.Action action) {
        return steps.stream().filter(s -> s.action() == action).count();
    }
}
