package io.duckdag.plan;

import io.duckdag.pipeline.ExpandedStep;

/** One line of a plan: a step, its level, whether it would run, why, and what it would do. */
public record PlannedStep(ExpandedStep step, int level, Action action, String reason, StepDescription description) {

    public enum Action {
        RUN, SKIP;

        public String word() {
            return name().toLowerCase();
        }
    }
}
