package io.duckdag.pipeline;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A step as written in the pipeline, before foreach expansion. {@code with} stays a located
 * YAML mapping: it is interpolated and bound to a typed {@link StepConfig} per item during expansion.
 * {@code triggerRule} says which outcomes of the upstream steps let it start.
 */
public record StepSpec(
        String id,
        StepType type,
        List<Dependency> dependsOn,
        Optional<Foreach> foreach,
        Node.Mapping with,
        int retries,
        Duration retryDelay,
        Optional<Duration> timeout,
        boolean enabled,
        TriggerRule triggerRule,
        Location location) {

    public static final Duration DEFAULT_RETRY_DELAY = Duration.ofSeconds(10);

    public StepSpec {
        dependsOn = List.copyOf(dependsOn);
    }
}
