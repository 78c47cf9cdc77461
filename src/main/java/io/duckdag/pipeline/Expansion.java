package io.duckdag.pipeline;

import java.util.List;

/** A pipeline's steps expanded for one run id and date. */
record Expansion(String runId, String runDate, List<ExpandedStep> steps) {
    Expansion {
        steps = List.copyOf(steps);
    }
}
