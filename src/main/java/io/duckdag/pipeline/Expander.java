package io.duckdag.pipeline;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Expands foreach steps into one step per item and resolves {@code ${...}} and {@code with:}
 * for each. A foreach step that depends on a foreach step over the same items is linked item by
 * item; any other dependency on a foreach step waits for all of its items.
 */
public final class Expander {
    private final Pipeline pipeline;
    private final Map<String, String> env;

    public Expander(Pipeline pipeline, Map<String, String> env) {
        this.pipeline = pipeline;
        this.env = Map.copyOf(env);
    }

    /** The expanded steps in file order, for a run with this id and date. */
    public List<ExpandedStep> expand(String runId, String runDate) {
        Scope base = new Scope(pipeline.params(), env, null, runId, runDate).withParamsFromEnv(pipeline.paramsFromEnv().keySet());
        List<ExpandedStep> out = new ArrayList<>();
        for (StepSpec spec : pipeline.steps()) {
            List<String> items = spec.foreach().map(Foreach::items).orElse(null);
            for (String item : items == null ? java.util.Collections.<String>singletonList(null) : items) {
                String id = ExpandedStep.idOf(spec.id(), item);
                String name = item == null ? "step '" + spec.id() + "'" : "step '" + spec.id() + "' (item " + item + ")";
                Node.Mapping with = (Node.Mapping) Interpolator.apply(spec.with(), base.withItem(item));
                StepConfig config = spec.type().bind(with, new Binding(pipeline, spec, name, item, runDate));
                // What is recorded and shown keeps ${env.X} as written; the values are what the step must never print.
                Node.Mapping recorded = (Node.Mapping) Interpolator.apply(spec.with(), base.withItem(item).keepingEnv());
                Map<String, String> secrets = new LinkedHashMap<>();
                Interpolator.envNamed(spec.with(), env).forEach((k, v) -> secrets.put(v, "${env." + k + "}"));
                secrets.putAll(pipeline.paramSecrets());
                out.add(new ExpandedStep(id, spec.id(), Optional.ofNullable(item), spec.type(), config,
                        plain(recorded), dependencies(spec, item), spec.retries(), spec.retryDelay(), spec.timeout(),
                        spec.enabled(), spec.triggerRule(), spec.location(), secrets));
            }
        }
        return out;
    }

    private List<String> dependencies(StepSpec spec, String item) {
        List<String> ids = new ArrayList<>();
        for (Dependency dep : spec.dependsOn()) {
            StepSpec upstream = pipeline.step(dep.stepId()).orElseThrow();
            if (dep.item() != null) {
                ids.add(ExpandedStep.idOf(upstream.id(), dep.item()));
            } else if (upstream.foreach().isEmpty()) {
                ids.add(upstream.id());
            } else if (item != null && sameItems(spec, upstream)) {
                ids.add(ExpandedStep.idOf(upstream.id(), item));
            } else {
                for (String upstreamItem : upstream.foreach().get().items()) {
                    ids.add(ExpandedStep.idOf(upstream.id(), upstreamItem));
                }
            }
        }
        return ids.stream().distinct().toList();
    }

    private static boolean sameItems(StepSpec a, StepSpec b) {
        return new HashSet<>(a.foreach().orElseThrow().items()).equals(new HashSet<>(b.foreach().orElseThrow().items()));
    }

    /** The YAML value as maps, lists and strings, in the order written. */
    static Object plain(Node node) {
        if (node instanceof Node.Scalar s) {
            return s.isNull() ? null : s.text();
        }
        if (node instanceof Node.Sequence seq) {
            List<Object> items = new ArrayList<>();
            seq.items().forEach(n -> items.add(plain(n)));
            return items;
        }
        Map<String, Object> map = new LinkedHashMap<>();
        ((Node.Mapping) node).entries().forEach(e -> map.put(e.key(), plain(e.value())));
        return map;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> plain(Node.Mapping with) {
        return (Map<String, Object>) plain((Node) with);
    }
}
