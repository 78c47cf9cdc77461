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

    /**
     * Files that have exactly the same columns with the same types, partition columns included.
     *
     * @param types          the columns the group contributes to the table, partition columns left out
     * @param partitionTypes the partition columns its files hold inside (most files do not)
     */
    public record Group(List<Path> files, Map<String, String> types, Map<String, String> partitionTypes) {
        public Group {
            files = List.copyOf(files);
            types = caseless(types); // looked up without regard to case
            partitionTypes = caseless(partitionTypes == null ? Map.of() : partitionTypes);
        }

        public Group(List<Path> files, Map<String, String> types) {
            this(files, types, Map.of());
        }

        private static Map<String, String> caseless(Map<String, String> types) {
            Map<String, String> copy = byName();
            copy.putAll(types);
            return java.util.Collections.unmodifiableMap(copy);
        }
    }

    /**
     * @param where    "partition year=2024 of income", for messages
     * @param declared the table's declared column types, in DuckDB's own spelling
     * @param leaveOut the partition columns: their value comes from the folder, not the files
     */
    public static InputSchema resolve(String where, Map<Path, List<Column>> files, Map<String, String> declared, List<String> leaveOut) {
        requireDistinctNames(where, files);
        // Column names match without regard to case, as DuckDB matches them: 'Code' in one file
        // and 'code' in another are one column, spelt as first seen.
        Map<String, Map<String, Path>> typesSeen = byName(); // column -> type -> first file with it
        Map<String, Map<String, Integer>> filesPerType = byName();
        for (Map.Entry<Path, List<Column>> f : files.entrySet()) {
            for (Column c : f.getValue()) {
                if (!contains(leaveOut, c.name())) {
                    typesSeen.computeIfAbsent(c.name(), k -> new LinkedHashMap<>()).putIfAbsent(c.type(), f.getKey());
                    filesPerType.computeIfAbsent(c.name(), k -> new LinkedHashMap<>()).merge(c.type(), 1, Integer::sum);
                }
            }
        }
        Map<String, String> declaredTypes = byName();
        declaredTypes.putAll(declared);
        List<Column> columns = new ArrayList<>();
        List<String> drift = new ArrayList<>();
        for (Map.Entry<String, Map<String, Path>> e : typesSeen.entrySet()) {
            String name = e.getKey();
            Set<String> types = e.getValue().keySet();
            String type;
            if (declaredTypes.containsKey(name)) {
                type = declaredTypes.get(name);
                if (!types.equals(Set.of(type))) {
                    drift.add("column " + name + " has types " + String.join(", ", types) + " (cast to the declared " + type
                            + "; every value converted exactly)");
                }
            } else if (types.size() == 1) {
                type = types.iterator().next();
            } else {
                Optional<String> common = TypeWidening.common(types);
                if (common.isEmpty()) {
                    throw new LakeException(conflict(where, name, e.getValue(), filesPerType.get(name)));
                }
                type = common.get();
                drift.add("column " + name + " has types " + String.join(", ", types) + " (widened exactly to " + type + ")");
            }
            columns.add(new Column(name, type));
            long missing = files.values().stream().filter(cs -> cs.stream().noneMatch(c -> fold(c.name()).equals(fold(name)))).count();
            if (missing > 0) {
                drift.add("column " + name + " is missing from " + missing + " of " + files.size() + " files (read as NULL there)");
            }
        }
        return new InputSchema(columns, groups(files, leaveOut), drift);
    }

    /**
     * The files grouped by their exact columns and types, in order of first file. The partition
     * columns some files hold inside count too, so that every file of a group has them or none
     * does; they are not among a group's {@code types}.
     */
    public static List<Group> groups(Map<Path, List<Column>> files, List<String> leaveOut) {
        Map<Set<Column>, List<Path>> grouped = new LinkedHashMap<>();
        for (Map.Entry<Path, List<Column>> f : files.entrySet()) {
            Set<Column> key = new LinkedHashSet<>();
            f.getValue().stream().map(c -> new Column(fold(c.name()), c.type())).forEach(key::add);
            grouped.computeIfAbsent(Set.copyOf(key), k -> new ArrayList<>()).add(f.getKey());
        }
        List<Group> groups = new ArrayList<>();
        for (List<Path> members : grouped.values()) {
            Map<String, String> types = byName();
            Map<String, String> partitionTypes = byName();
            files.get(members.get(0)).forEach(c -> (contains(leaveOut, c.name()) ? partitionTypes : types).put(c.name(), c.type()));
            groups.add(new Group(members, types, partitionTypes));
        }
        return groups;
    }

    /**
     * Refuses a file that has two columns whose names differ only in A-Z case ({@code colx} and
     * {@code COLX}): DuckDB matches names without regard to that case, so one of them would be lost.
     */
    public static void requireDistinctNames(String where, Map<Path, List<Column>> files) {
        for (Map.Entry<Path, List<Column>> f : files.entrySet()) {
            Map<String, String> seen = new LinkedHashMap<>();
            for (Column c : f.getValue()) {
                String first = seen.putIfAbsent(fold(c.name()), c.name());
                if (first != null) {
                    throw new LakeException(where + ": file " + f.getKey().getFileName() + " has two columns, " + first + " and "
                            + c.name() + ", whose names differ only in case; DuckDB matches names without regard to case and "
                            + "renames one (" + c.name() + "_1), so the table would change. "
                            + "Rename one of them in the file; nothing was written");
                }
            }
        }
    }

    /** A map keyed by column name without regard to case, in order of first insertion. */
    public static <V> Map<String, V> byName() {
        return new CaseInsensitiveMap<>();
    }

    public static boolean contains(List<String> names, String name) {
        return names.stream().anyMatch(n -> fold(n).equals(fold(name)));
    }

    /** DuckDB folds only A-Z when it matches names ('Ä' and 'ä' stay two columns), and so do we. */
    public static String fold(String name) {
        StringBuilder b = new StringBuilder(name.length());
        for (char ch : name.toCharArray()) {
            b.append(ch >= 'A' && ch <= 'Z' ? (char) (ch + 32) : ch);
        }
        return b.toString();
    }

    /** Insertion-ordered, keys compared without regard to case; the first spelling of a key is kept. */
    private static final class CaseInsensitiveMap<V> extends java.util.AbstractMap<String, V> {
        private final Map<String, String> spelling = new LinkedHashMap<>();
        private final Map<String, V> values = new LinkedHashMap<>();

        private static String fold(Object key) {
            return InputSchema.fold(String.valueOf(key));
        }

        @Override
        public V put(String key, V value) {
            spelling.putIfAbsent(fold(key), key);
            return values.put(fold(key), value);
        }

        @Override
        public V get(Object key) {
            return values.get(fold(key));
        }

        @Override
        public boolean containsKey(Object key) {
            return values.containsKey(fold(key));
        }

        @Override
        public Set<Entry<String, V>> entrySet() {
            Set<Entry<String, V>> out = new LinkedHashSet<>();
            values.forEach((k, v) -> out.add(new java.util.AbstractMap.SimpleImmutableEntry<>(spelling.get(k), v)));
            return java.util.Collections.unmodifiableSet(out);
        }
    }

    public List<String> names() {
        return columns.stream().map(Column::name).toList();
    }

    /** True when one group needs no cast: the files can be read as DuckDB reads them. */
    public boolean plain() {
        return groups.size() <= 1;
    }

    /** Names each type with a file that has it, and suggests declaring the type most files have. */
    private static String conflict(String where, String column, Map<String, Path> types, Map<String, Integer> filesPerType) {
        StringBuilder b = new StringBuilder(where).append(": column ").append(column)
                .append(" has types that do not all convert exactly into one type: ");
        String sep = "";
        for (Map.Entry<String, Path> t : types.entrySet()) {
            int n = filesPerType.get(t.getKey());
            b.append(sep).append(t.getKey()).append(n == 1 ? " (in " : " (in " + n + " files, e.g. ").append(t.getValue().getFileName()).append(")");
            sep = ", ";
        }
        // The type most files have; on a tie not text, since numbers written as text are the usual accident.
        String example = filesPerType.entrySet().stream()
                .max(java.util.Comparator.comparing((Map.Entry<String, Integer> t) -> t.getValue())
                        .thenComparing(t -> !t.getKey().equals("VARCHAR")))
                .map(Map.Entry::getKey).orElseThrow();
        String shown = example.contains(",") ? "\"" + example + "\"" : example; // YAML ends a flow value at a comma
        return b.append("; nothing was written. Declare the type its values should have under the table, e.g. columns: { ")
                .append(column).append(": ").append(shown).append(" }; every value is then cast to it, and a value that does not ")
                .append("convert exactly fails naming its file").toString();
    }
}
