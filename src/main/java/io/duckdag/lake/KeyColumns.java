package io.duckdag.lake;

import io.duckdag.pipeline.Location;
import io.duckdag.pipeline.Suggestions;
import io.duckdag.pipeline.TableSpec;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the columns a table's {@code sort_by} and {@code key} name that none of its files has,
 * before a run: from the footers of at most {@link #SAMPLE} files (the most recently written,
 * since a column a downloader starts writing appears in the newest files first), one
 * {@code parquet_schema()} per table. Compaction makes the same check per partition at run time.
 */
public final class KeyColumns {
    /** At most this many footers per table: enough for a typo, and fast on a lake of 16,000 files. */
    public static final int SAMPLE = 200;
    /** Columns listed in a message before it says how many more there are. */
    private static final int LISTED = 30;

    private KeyColumns() {
    }

    /**
     * One sentence per sort_by or key column in none of the files read, with its place in the
     * pipeline file and a did-you-mean; empty when the table has no files or a footer cannot be
     * read (compaction then names the file).
     */
    public static List<String> missing(Connection connection, TableSpec table, Path liveTable) {
        List<Path> files = new ArrayList<>();
        List<Long> mtimes = new ArrayList<>();
        LakeScanner.scan(liveTable, table).forEach((p, list) -> list.forEach(f -> {
            files.add(p.dirIn(liveTable).resolve(f.name()).toAbsolutePath());
            mtimes.add(f.mtimeNanos());
        }));
        if (files.isEmpty()) {
            return List.of();
        }
        List<Path> sample = files;
        if (files.size() > SAMPLE) {
            List<Integer> newest = new ArrayList<>();
            for (int i = 0; i < files.size(); i++) {
                newest.add(i);
            }
            newest.sort(Comparator.comparing((Integer i) -> mtimes.get(i)).reversed());
            sample = newest.subList(0, SAMPLE).stream().map(files::get).toList();
        }
        Map<Path, List<Column>> schemas;
        try {
            schemas = FileSchemas.read(connection, sample);
        } catch (SQLException unreadable) {
            return List.of();
        }
        Map<String, String> names = new java.util.LinkedHashMap<>(); // folded -> first spelling
        schemas.values().forEach(cs -> cs.forEach(c -> names.putIfAbsent(InputSchema.fold(c.name()), c.name())));
        List<String> found = List.copyOf(names.values());
        String where = sample.size() == files.size() ? "its " + files.size() + (files.size() == 1 ? " file" : " files")
                : "the " + sample.size() + " most recently written of its " + files.size() + " files (footers read)";
        List<String> problems = new ArrayList<>();
        Set<String> reported = new LinkedHashSet<>();
        for (boolean inKey : new boolean[] {false, true}) {
            for (String column : inKey ? table.key() : table.sortBy()) {
                // Partition columns come from the folders, not the files.
                if (InputSchema.contains(found, column) || InputSchema.contains(table.partitionBy(), column)
                        || !reported.add(InputSchema.fold(column))) {
                    continue;
                }
                Location at = table.locationOf(column, inKey);
                problems.add((at == null ? "" : at + ": ") + "table " + table.name() + ": " + (inKey ? "key" : "sort_by")
                        + " column " + column + " is in none of " + where + Suggestions.hint(column, found)
                        + " (columns: " + listed(found) + ")");
            }
        }
        return problems;
    }

    private static String listed(List<String> names) {
        if (names.size() <= LISTED) {
            return String.join(", ", names);
        }
        return String.join(", ", names.subList(0, LISTED)) + ", ... (" + names.size() + " in all)";
    }
}
