package io.duckdag.lake;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One Hive partition of a table: its column values ({@code year=2024}) and its folder relative
 * to the table root. An unpartitioned table has one partition, the table root itself ({@code path} "").
 */
public record Partition(Map<String, String> values, String path) {
    public Partition {
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public static Partition of(Map<String, String> values) {
        String path = values.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("/"));
        return new Partition(values, path);
    }

    public Path dirIn(Path tableRoot) {
        return path.isEmpty() ? tableRoot : tableRoot.resolve(path);
    }

    /** How it reads in messages: "year=2024", or "(whole table)". */
    public String label() {
        return path.isEmpty() ? "(whole table)" : path;
    }
}
