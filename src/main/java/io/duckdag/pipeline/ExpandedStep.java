package io.duckdag.pipeline;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One node of the expanded DAG: a step, or one item of a foreach step ({@code compact[income]}).
 * {@code with} is the interpolated configuration as plain values, for fingerprints and JSON,
 * with {@code ${env.X}} kept as written; {@code config} has the values. {@code secrets} maps each
 * value that came from the environment to how the pipeline names it: {@link #redact} takes them
 * out of anything the step's run prints or records.
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
        Location location,
        Map<String, String> secrets) {
    /** Shorter values are left alone: "1" or "yes" would be taken out of every number and word. */
    static final int SHORTEST_SECRET = 4;

    public ExpandedStep {
        with = Collections.unmodifiableMap(new LinkedHashMap<>(with));
        dependsOn = List.copyOf(dependsOn);
        // Longest first, so that redact replaces a value containing another whole.
        Map<String, String> longEnough = new LinkedHashMap<>();
        secrets.entrySet().stream().filter(e -> e.getKey().length() >= SHORTEST_SECRET)
                .sorted((x, y) -> y.getKey().length() - x.getKey().length())
                .forEach(e -> longEnough.put(e.getKey(), e.getValue()));
        secrets = Collections.unmodifiableMap(longEnough);
    }

    /** {@code text} with every value that came from the environment replaced by its {@code ${env.X}}. */
    public String redact(String text) {
        if (text == null || secrets.isEmpty()) {
            return text;
        }
        String out = text;
        for (Map.Entry<String, String> secret : secrets.entrySet()) {
            out = out.replace(secret.getKey(), secret.getValue());
        }
        return out;
    }

    public static String idOf(String specId, String item) {
        return item == null ? specId : specId + "[" + item + "]";
    }
}
