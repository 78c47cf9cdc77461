package io.duckdag.plan;

import io.duckdag.DuckdagException;
import io.duckdag.pipeline.ExpandedStep;
import io.duckdag.pipeline.Suggestions;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which steps a run is limited to: {@code --only STEP} (that step, or every item of a foreach
 * step) or {@code --from STEP} (that step and everything downstream of it).
 */
public record Selection(Optional<String> only, Optional<String> from) {
    public static final Selection ALL = new Selection(Optional.empty(), Optional.empty());

    public Selection {
        if (only.isPresent() && from.isPresent()) {
            throw DuckdagException.usage("--only and --from cannot be used together; pick one");
        }
    }

    /** The selected step ids, or every step. */
    Set<String> resolve(StepGraph graph) {
        Set<String> all = new LinkedHashSet<>();
        graph.inOrder().forEach(s -> all.add(s.id()));
        if (only.isEmpty() && from.isEmpty()) {
            return all;
        }
        String name = only.orElseGet(from::get);
        Set<String> matched = new LinkedHashSet<>();
        for (ExpandedStep s : graph.inOrder()) {
            if (s.id().equals(name) || s.specId().equals(name)) {
                matched.add(s.id());
            }
        }
        if (matched.isEmpty()) {
            String option = only.isPresent() ? "--only" : "--from";
            Set<String> names = new LinkedHashSet<>(all);
            graph.inOrder().forEach(s -> names.add(s.specId()));
            throw DuckdagException.usage(option + " " + name + ": the pipeline has no step '" + name + "'"
                    + Suggestions.hint(name, names) + " (steps: " + String.join(", ", List.copyOf(names)) + ")");
        }
        if (from.isPresent()) {
            for (String id : List.copyOf(matched)) {
                matched.addAll(graph.descendantsOf(id));
            }
        }
        return matched;
    }

    String describe() {
        return only.map(s -> "--only " + s).orElseGet(() -> from.map(s -> "--from " + s).orElse("all steps"));
    }
}
