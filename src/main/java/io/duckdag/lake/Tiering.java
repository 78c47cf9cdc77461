package io.duckdag.lake;

import io.duckdag.pipeline.TableSpec;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Whether a changed partition is compacted tiered: its new files into one more sorted file
 * beside the compacted files, which are kept as they are, instead of rewriting it whole. A
 * night's few small files then cost what they hold, not what the partition holds, like an LSM
 * tree's sorted runs or Iceberg's bin-packing: each live file stays sorted and verified. One
 * decision, used by compaction and by the plan that describes it.
 *
 * <p>Tiered only without a key (a new row may replace an old one, which needs them together),
 * when the partition still holds every file duckdag last put there, when it would then hold at
 * most {@link #MAX_TIERS} compacted files, when the new data is at most a quarter of the
 * compacted, and when the new files have exactly the compacted files' columns and types (and
 * those agree with the declared ones).
 */
public final class Tiering {
    /** A partition is rewritten whole once a tier would make it hold more than this many compacted files. */
    public static final int MAX_TIERS = 8;

    /** The declared types of a table, in DuckDB's spelling; a source that may cache them. */
    @FunctionalInterface
    public interface DeclaredTypes {
        Map<String, String> of(TableSpec table) throws SQLException;
    }

    private Tiering() {
    }

    /**
     * From the listing alone: the compacted files the new files could be compacted beside (empty:
     * rewrite the whole partition). {@link #keep} confirms it from the files' footers.
     */
    public static List<LakeFile> candidate(TableSpec table, TableManifest manifest, Partition p, List<LakeFile> listing) {
        List<LakeFile> compacted = manifest.partitions().get(p.path());
        if (!table.key().isEmpty() || compacted == null || compacted.isEmpty() || !listing.containsAll(compacted)
                || compacted.size() + 1 > MAX_TIERS) {
            return List.of();
        }
        List<LakeFile> fresh = listing.stream().filter(f -> !compacted.contains(f)).toList();
        long freshBytes = fresh.stream().mapToLong(LakeFile::size).sum();
        long compactedBytes = compacted.stream().mapToLong(LakeFile::size).sum();
        if (fresh.isEmpty() || freshBytes * 4 > compactedBytes) {
            return List.of();
        }
        return compacted;
    }

    /**
     * The compacted files a partition's new files are compacted beside, left as they are (empty:
     * rewrite the whole partition): the {@link #candidate}, if every file of the partition has the
     * same columns and types, partition columns aside, and they agree with the declared types.
     * Reads the footers of this partition's files only, and only when there is a candidate.
     */
    public static List<LakeFile> keep(Connection connection, DeclaredTypes declared, TableSpec table, Partition p, Path live,
                                      TableManifest manifest, List<LakeFile> listing) throws SQLException {
        List<LakeFile> compacted = candidate(table, manifest, p, listing);
        if (compacted.isEmpty()) {
            return List.of();
        }
        Path dir = p.dirIn(live);
        List<Path> all = listing.stream().map(f -> dir.resolve(f.name()).toAbsolutePath()).toList();
        Map<Path, List<Column>> schemas;
        try {
            schemas = FileSchemas.read(connection, all);
        } catch (SQLException unreadable) {
            return List.of(); // the full path finds and names the file
        }
        Set<Set<Column>> distinct = new HashSet<>();
        // Partition columns aside: the folder holds them, and compacted files do not repeat them.
        schemas.values().forEach(cs -> distinct.add(cs.stream().filter(c -> !InputSchema.contains(table.partitionBy(), c.name()))
                .collect(Collectors.toSet())));
        if (distinct.size() != 1) {
            return List.of();
        }
        // A declared type the compacted files do not have (declared since): rewrite whole, one type per column.
        Set<Column> columns = distinct.iterator().next();
        for (Map.Entry<String, String> d : declared.of(table).entrySet()) {
            boolean agrees = columns.stream().filter(c -> InputSchema.fold(c.name()).equals(InputSchema.fold(d.getKey())))
                    .allMatch(c -> c.type().equals(d.getValue()));
            if (!agrees) {
                return List.of();
            }
        }
        return compacted;
    }
}
