package io.duckdag.lake;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * How the input files of one partition combine into one table, decided here and not left to
 * DuckDB's {@code union_by_name} (which widens BIGINT with DOUBLE to DOUBLE and numbers with
 * text to VARCHAR, changing values silently). Files with the same columns and types form a
 * group that DuckDB reads as is; each column of the result has one type: the one declared for
 * the table, else the type all files agree on, else the type every file's type widens to
 * exactly ({@link TypeWidening}); anything else is a conflict that fails before a byte is written.
 *
 * @param columns the columns of the result in order of first appearance, partition columns left out
 * @param groups  the files by their columns; each is read on its own and cast to {@link #columns}
 * @param drift   what differs between the files, for the step log
 */
public record InputSchema(List<Column> columns, List<Group> groups, List<String> drift) {

    public InputSchema {
        columns = List.copyOf(columns);
        groups = List.copyOf(groups);
        drift = List.copyOf(drift);
    }

    /** Files that have exactly the same columns with the same types. */
    public record Group(List<Path> files, Map<String, String> types) {
        public Group {
            files = List.copyOf(files);
            types = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(types));
        }
    }

    /**
     * @param where    "partition year=2024 of income", for messages
     * @param declared the table's declared column types, in DuckDB's own spelling
     * @param leaveOut the partition columns: their value comes from the folder, not the files
     */
    public static InputSchema resolve(String where, Map<Path, List<Column>> files, Map<String, String> declared, List<String> leaveOut) {
        Map<String, Map<String, Path>> typesSeen = new LinkedHashMap<>(); // column -> type -> first file with it
        for (Map.Entry<Path, List<Column>> f : files.entrySet()) {
            for (Column c : f.getValue()) {
                if (!leaveOut.contains(c.name())) {
                    typesSeen.computeIfAbsent(c.name(), k -> new LinkedHashMap<>()).putIfAbsent(c.type(), f.getKey());
                }
            }
        }
        requireDistinctToDuckDb(where, typesSeen);
        List<Column> columns = new ArrayList<>();
        List<String> drift = new ArrayList<>();
        for (Map.Entry<String, Map<String, Path>> e : typesSeen.entrySet()) {
            String name = e.getKey();
            Set<String> types = e.getValue().keySet();
            String type;
            if (declared.containsKey(name)) {
                type = declared.get(name);
                if (!types.equals(Set.of(type))) {
                    drift.add("column " + name + " has types " + String.join(", ", types) + " (cast to the declared " + type
                            + "; every value converted exactly)");
                }
            } else if (types.size() == 1) {
                type = types.iterator().next();
            } else {
                Optional<String> common = TypeWidening.common(types);
                if (common.isEmpty()) {
                    throw new LakeException(conflict(where, name, e.getValue()));
                }
                type = common.get();
                drift.add("column " + name + " has types " + String.join(", ", types) + " (widened exactly to " + type + ")");
            }
            columns.add(new Column(name, type));
            long missing = files.values().stream().filter(cs -> cs.stream().noneMatch(c -> c.name().equals(name))).count();
            if (missing > 0) {
                drift.add("column " + name + " is missing from " + missing + " of " + files.size() + " files (read as NULL there)");
            }
        }
        return new InputSchema(columns, groups(files, leaveOut), drift);
    }

    /** The files grouped by their exact columns and types (partition columns left out), in order of first file. */
    public static List<Group> groups(Map<Path, List<Column>> files, List<String> leaveOut) {
        Map<Set<Column>, List<Path>> grouped = new LinkedHashMap<>();
        for (Map.Entry<Path, List<Column>> f : files.entrySet()) {
            Set<Column> key = new LinkedHashSet<>();
            f.getValue().stream().filter(c -> !leaveOut.contains(c.name())).forEach(key::add);
            grouped.computeIfAbsent(Set.copyOf(key), k -> new ArrayList<>()).add(f.getKey());
        }
        List<Group> groups = new ArrayList<>();
        for (List<Path> members : grouped.values()) {
            Map<String, String> types = new LinkedHashMap<>();
            files.get(members.get(0)).stream().filter(c -> !leaveOut.contains(c.name())).forEach(c -> types.put(c.name(), c.type()));
            groups.add(new Group(members, types));
        }
        return groups;
    }

    /**
     * DuckDB matches column names ignoring the case of A-Z: it would read {@code TS_Code} in one
     * file and {@code ts_code} in another as one column (a view shows one), but a query naming
     * both renames one of them. Such names are refused before anything is written.
     */
    private static void requireDistinctToDuckDb(String where, Map<String, Map<String, Path>> typesSeen) {
        Map<String, String> first = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, Path>> e : typesSeen.entrySet()) {
            String name = e.getKey();
            String other = first.putIfAbsent(foldAscii(name), name);
            if (other != null) {
                throw new LakeException(where + ": the files name a column both " + other + " (in "
                        + typesSeen.get(other).values().iterator().next().getFileName() + ") and " + name + " (in "
                        + e.getValue().values().iterator().next().getFileName() + "), names DuckDB does not tell apart (it ignores the case "
                        + "of A-Z); nothing was written. Rewrite the files so that they spell it one way");
            }
        }
    }

    private static String foldAscii(String name) {
        StringBuilder b = new StringBuilder(name.length());
        name.chars().forEach(c -> b.append((char) (c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c)));
        return b.toString();
    }

    public List<String> names() {
        return columns.stream().map(Column::name).toList();
    }

    /** True when one group needs no cast: the files can be read as DuckDB reads them. */
    public boolean plain() {
        return groups.size() <= 1;
    }

    private static String conflict(String where, String column, Map<String, Path> types) {
        StringBuilder b = new StringBuilder(where).append(": column ").append(column)
                .append(" has types that do not all convert exactly into one type: ");
        String sep = "";
        for (Map.Entry<String, Path> t : types.entrySet()) {
            b.append(sep).append(t.getKey()).append(" (in ").append(t.getValue().getFileName()).append(")");
            sep = ", ";
        }
        String example = types.keySet().iterator().next();
        return b.append("; nothing was written. Declare the type its values should have under the table, e.g. columns: { ")
                .append(column).append(": ").append(example).append(" }; every value is then cast to it, and a value that does not ")
                .append("convert exactly fails naming its file").toString();
    }
}
