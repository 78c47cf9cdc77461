package io.duckdag.plan;

import io.duckdag.pipeline.ExpandedStep;
import io.duckdag.pipeline.Expander;
import io.duckdag.pipeline.Pipeline;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Expands a pipeline for one run and decides, step by step, what would run. */
public final class Planner {
    private final Map<String, String> env;

    public Planner(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    public StepGraph graph(Pipeline pipeline, String runId, String runDate) {
        return new StepGraph(new Expander(pipeline, env).expand(runId, runDate));
    }

    /** The plan of a new run with this id. */
    public Plan plan(Pipeline pipeline, String runId, String runDate) {
        StepGraph graph = graph(pipeline, runId, runDate);
        StepDescriber describer = new StepDescriber(pipeline, runId);
        List<PlannedStep> steps = new ArrayList<>();
        for (ExpandedStep step : graph.inOrder()) {
            PlannedStep.Action action = step.enabled() ? PlannedStep.Action.RUN : PlannedStep.Action.SKIP;
            String reason = step.enabled() ? "new run" : "disabled (enabled: false)";
            steps.add(new PlannedStep(step, graph.level(step.id()), action, reason, describer.describe(step)));
        }
        return new Plan(pipeline, runId, runDate, graph, steps);
    }
}
