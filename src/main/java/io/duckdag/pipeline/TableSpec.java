package io.duckdag.pipeline;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A table of the lake: its Hive partition columns, the order its files are sorted in,
 * optionally the key whose duplicates collapse to the most recently written row, the types
 * declared for columns whose files disagree (every value is cast to them, exactly), and what
 * compaction does with a file DuckDB cannot read. {@code location} is where the table is declared;
 * {@code sortByAt} and {@code keyAt} where each entry of sort_by and key is (empty when not read
 * from a file).
 */
public record TableSpec(String name, List<String> partitionBy, List<String> sortBy, List<String> key,
                        Map<String, String> columns, OnUnreadable onUnreadable, Location location,
                        List<Location> sortByAt, List<Location> keyAt) {
    public TableSpec {
        partitionBy = List.copyOf(partitionBy);
        sortBy = List.copyOf(sortBy);
        key = List.copyOf(key);
        columns = Collections.unmodifiableMap(new LinkedHashMap<>(columns));
        sortByAt = List.copyOf(sortByAt);
        keyAt = List.copyOf(keyAt);
    }

    public TableSpec(String name, List<String> partitionBy, List<String> sortBy, List<String> key,
                     Map<String, String> columns, OnUnreadable onUnreadable, Location location) {
        this(name, partitionBy, sortBy, key, columns, onUnreadable, location, List.of(), List.of());
    }

    /** Where sort_by (or key, {@code inKey}) names this column, else where the table is declared (null if neither is known). */
    public Location locationOf(String column, boolean inKey) {
        List<String> names = inKey ? key : sortBy;
        List<Location> at = inKey ? keyAt : sortByAt;
        int i = names.indexOf(column);
        return i >= 0 && i < at.size() ? at.get(i) : location;
    }

    /** What compaction does with an input file that DuckDB cannot read. */
    /** "partitioned by year; sorted by ts_code, end_date; one row per ts_code, end_date; ", for plans. */
    public String describeShape() {
        StringBuilder s = new StringBuilder();
        if (!partitionBy.isEmpty()) {
            s.append("partitioned by ").append(String.join(", ", partitionBy)).append("; ");
        }
        if (!sortBy.isEmpty()) {
            s.append("sorted by ").append(String.join(", ", sortBy)).append("; ");
        }
        if (!key.isEmpty()) {
            s.append("one row per ").append(String.join(", ", key)).append("; ");
        }
        if (!columns.isEmpty()) {
            s.append("cast exactly: ").append(columns.entrySet().stream().map(c -> c.getKey() + " " + c.getValue())
                    .collect(java.util.stream.Collectors.joining(", "))).append("; ");
        }
        if (onUnreadable == OnUnreadable.QUARANTINE) {
            s.append("unreadable files quarantined; ");
        }
        return s.toString();
    }

    public enum OnUnreadable {
        /** Fail the step naming the file; nothing is written. */
        FAIL,
        /** Move the file to the quarantine folder when the partition is swapped, and compact the rest. */
        QUARANTINE;

        public String yamlName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
