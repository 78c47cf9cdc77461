package io.duckdag.pipeline;

import java.util.List;

/**
 * A table of the lake: its Hive partition columns, the order its files are sorted in and,
 * optionally, the key whose duplicates collapse to the most recently written row.
 */
public record TableSpec(String name, List<String> partitionBy, List<String> sortBy, List<String> key, Location location) {
    public TableSpec {
        partitionBy = List.copyOf(partitionBy);
        sortBy = List.copyOf(sortBy);
        key = List.copyOf(key);
    }
}
