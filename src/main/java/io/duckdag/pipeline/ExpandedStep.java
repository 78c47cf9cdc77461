package io.duckdag.pipeline;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One node of the expanded DAG: a step, or one item of a foreach step ({@code compact[income]}).
 * {@code with} is the interpolated configuration as plain values, for fingerprints and JSON.
 */
public record ExpandedStep(
        String id,
        String specId,
        Optional<String> item,
        StepType type,
        StepConfig config,
        Map<String, Object> with,
        List<String> dependsOn,
        int retries,
        Duration retryDelay,
        Optional<Duration> timeout,
        boolean enabled,
        TriggerRule triggerRule,
        Location location) {

    public ExpandedStep {
        with = Collections.unmodifiableMap(new LinkedHashMap<>(with));
        dependsOn = List.copyOf(dependsOn);
    }

    public static String idOf(String specId, String item) {
        return item == null ? specId : specId + "[" + item + "]";
    }
}
