package io.duckdag.steps;

import io.duckdag.pipeline.Binding;
import io.duckdag.pipeline.Node;
import io.duckdag.pipeline.Nodes;
import io.duckdag.pipeline.StepConfig;
import java.util.Set;

/** The with: of verify and swap: the one table they work on ({@code table}, or the item of {@code foreach: tables}). */
public record OneTable(String table) implements StepConfig {
    static final Set<String> WITH_KEYS = Set.of("table");

    static OneTable bind(Node.Mapping with, Binding binding) {
        Nodes.allowOnly(with, WITH_KEYS, binding.where());
        return new OneTable(binding.oneTable(with));
    }
}
