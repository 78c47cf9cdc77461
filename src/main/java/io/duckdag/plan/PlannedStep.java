package io.duckdag.plan;

import io.duckdag.pipeline.ExpandedStep;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One line of a plan: a step, its level, whether it would run, why, what it would do, and the
 * configuration it would run with ({@code changes} lists what changed since the run resumed).
 */
public record PlannedStep(
        ExpandedStep step,
        int level,
        Action action,
        String reason,
        StepDescription description,
        Map<String, Object> config,
        String configFingerprint,
        List<String> changes) {

    public PlannedStep {
        config = Collections.unmodifiableMap(new LinkedHashMap<>(config));
        changes = List.copyOf(changes);
    }

    public enum Action {
        RUN, SKIP;

        public String word() {
            return name().toLowerCase();
        }
    }
}
