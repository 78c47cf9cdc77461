package io.duckdag.pipeline;

import java.util.List;

/** What a step is repeated over: the pipeline's tables, or a literal list of items. */
public record Foreach(boolean overTables, List<String> items, Location location) {
    public Foreach {
        items = List.copyOf(items);
        if (items.isEmpty()) {
            throw new IllegalArgumentException("a foreach needs at least one item");
        }
    }
}
