package io.duckdag.plan;

import io.duckdag.kind.StepDescription;
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
        Why why,
        String reason,
        StepDescription description,
        Map<String, Object> config,
        String configFingerprint,
        List<String> changes) {

    public PlannedStep {
        config = Collections.unmodifiableMap(new LinkedHashMap<>(config));
        changes = List.copyOf(changes);
    }

    /** Why a step runs or is skipped; {@code reason} says it in words, with names and run ids. */
    public enum Why {
        NEW_RUN, NEW_STEP, CONFIG_CHANGED, UPSTREAM_RERUNS, CHECKPOINT_STALE, NOT_DONE_BEFORE,
        SUCCEEDED_BEFORE, NOT_SELECTED, DISABLED
    }

    public enum Action {
        RUN, SKIP;

        public String word() {
            return name().toLowerCase();
        }
    }
}
