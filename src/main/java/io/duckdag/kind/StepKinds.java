package io.duckdag.kind;

import io.duckdag.pipeline.ExpandedStep;
import io.duckdag.pipeline.StepConfig;
import io.duckdag.pipeline.StepTypes;
import io.duckdag.state.StepRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The step kinds a pipeline can name, by YAML name, and each expanded step with its kind. */
public final class StepKinds implements StepTypes {
    private final Map<String, StepKind<?>> byName = new LinkedHashMap<>();

    public StepKinds(List<StepKind<?>> kinds) {
        for (StepKind<?> k : kinds) {
            if (byName.putIfAbsent(k.yamlName(), k) != null) {
                throw new IllegalArgumentException("two step kinds are named " + k.yamlName());
            }
        }
    }

    @Override
    public Optional<StepKind<?>> named(String yamlName) {
        return Optional.ofNullable(byName.get(yamlName));
    }

    @Override
    public List<String> names() {
        return List.copyOf(byName.keySet());
    }

    public List<StepKind<?>> all() {
        return List.copyOf(byName.values());
    }

    /** The same kinds with one replaced by another of its name (tests use it to shorten waits). */
    public StepKinds with(StepKind<?> replacement) {
        List<StepKind<?>> kinds = new ArrayList<>();
        byName.values().forEach(k -> kinds.add(k.yamlName().equals(replacement.yamlName()) ? replacement : k));
        return new StepKinds(kinds);
    }

    /** The step with its kind and its configuration, typed. */
    public Bound<?> of(ExpandedStep step) {
        StepKind<?> kind = named(step.type().yamlName()).orElseThrow(() -> new IllegalStateException(
                "step " + step.id() + " was loaded with a kind this registry lacks: " + step.type().yamlName()));
        return bound(kind, step.config());
    }

    private static <C extends StepConfig> Bound<C> bound(StepKind<C> kind, StepConfig config) {
        return new Bound<>(kind, kind.configType().cast(config));
    }

    /** A kind and a configuration of its own type: every call is checked by the compiler. */
    public record Bound<C extends StepConfig>(StepKind<C> kind, C config) {
        public StepKind.Role role() {
            return kind.role();
        }

        public StepDescription describe(PlanContext context) {
            return kind.describe(config, context);
        }

        public void fingerprint(io.duckdag.pipeline.Pipeline pipeline, Map<String, Object> into) {
            kind.fingerprint(config, pipeline, into);
        }

        public List<String> tablesChanged() {
            return kind.tablesChanged(config);
        }

        public List<String> needsColumnsOf() {
            return kind.needsColumnsOf(config);
        }

        public Impact impact(PlanContext context) {
            return kind.impact(config, context);
        }

        public Optional<String> inputFingerprint(PlanContext context) {
            return kind.inputFingerprint(config, context);
        }

        public Optional<String> staleCheckpoint(StepRecord record, PlanContext context) {
            return kind.staleCheckpoint(config, record, context);
        }

        public StepResult execute(StepContext context) throws Exception {
            return kind.execute(config, context);
        }
    }
}
