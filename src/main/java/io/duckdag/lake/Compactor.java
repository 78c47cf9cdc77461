package io.duckdag.lake;

import io.duckdag.pipeline.TableSpec;
import io.duckdag.state.DurableFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Rewrites one partition: reads exactly the listed files (union by name), collapses
 * duplicate keys to the row of the most recently written file, sorts with a full tie-break,
 * and writes one plain sorted COPY per output file (a partitioned COPY does not keep order).
 * Every output is written under a temporary name, forced to disk and renamed; its modification
 * time is set to that of its newest input, so "most recently written" keeps its meaning when
 * the output is compacted again together with files that arrived later.
 */
public final class Compactor {
    private final Connection connection;

    public Compactor(Connection connection) {
        this.connection = connection;
    }

    public PartitionCompaction compact(TableSpec table, Partition partition, Path liveDir, List<LakeFile> inputs,
                                       Path outDir, String filePrefix, long targetFileBytes, int rowGroupSize)
            throws SQLException, IOException {
        List<Path> files = new ArrayList<>();
        List<Long> mtimes = new ArrayList<>();
        for (LakeFile f : inputs) {
            Path p = liveDir.resolve(f.name()).toAbsolutePath();
            if (LakeScanner.hasGlobCharacters(p)) {
                throw new LakeException("partition " + partition.label() + " of " + table.name() + ": the path " + p
                        + " holds a character DuckDB reads as a glob pattern (* ? [ ] { }); rename the file or folder");
            }
            files.add(p);
            mtimes.add(f.mtimeNanos());
        }
        List<Column> union = describe("SELECT * FROM " + TableSql.source(files));
        List<Column> columns = new ArrayList<>();
        for (Column c : union) {
            boolean technical = c.name().equals(TableSql.FILE) || c.name().equals("file_row_number");
            if (!technical && !table.partitionBy().contains(c.name())) {
                columns.add(c);
            }
        }
        List<String> names = columns.stream().map(Column::name).toList();
        for (String needed : concat(table.sortBy(), table.key())) {
            if (!names.contains(needed)) {
                throw new LakeException("partition " + partition.label() + " of " + table.name() + ": column " + needed
                        + " (in sort_by or key) is in none of its " + files.size() + " files; the files have: " + String.join(", ", names));
            }
        }
        List<String> drift = drift(files, columns);
        execute(TableSql.inputsTable(files, mtimes));
        long rowsIn = single("SELECT count(*) FROM " + TableSql.source(files));
        String query = TableSql.compacted(files, names, table.key(), table.sortBy());

        long inputBytes = inputs.stream().mapToLong(LakeFile::size).sum();
        int parts = (int) Math.max(1, Math.min(10_000, (inputBytes + targetFileBytes - 1) / targetFileBytes));
        long newest = mtimes.stream().mapToLong(Long::longValue).max().orElse(0);

        DurableFiles.createDirectories(outDir);
        List<StagedFile> outputs = new ArrayList<>();
        long written = 0;
        if (parts == 1) {
            StagedFile f = write(query, outDir, filePrefix + "-00000.parquet", rowGroupSize, newest);
            outputs.add(f);
            written = f.rows();
        } else {
            // Sort once into a hidden file, then cut it into consecutive row ranges: a plain scan of
            // one file keeps its order, so each part stays sorted and the parts follow each other.
            Path sorted = outDir.resolve("." + filePrefix + ".sorted.tmp").toAbsolutePath();
            long total = copy(query, sorted, rowGroupSize);
            long perFile = Math.max(1, (total + parts - 1) / parts);
            for (int i = 0; (long) i * perFile < total; i++) {
                String slice = "SELECT * EXCLUDE (file_row_number) FROM read_parquet(" + Sql.literal(sorted)
                        + ", file_row_number = true, hive_partitioning = false) WHERE file_row_number >= " + (perFile * i) + " AND file_row_number < " + (perFile * (i + 1));
                StagedFile f = write(slice, outDir, String.format("%s-%05d.parquet", filePrefix, i), rowGroupSize, newest);
                outputs.add(f);
                written += f.rows();
            }
            Files.deleteIfExists(sorted);
        }
        DurableFiles.forceDirectory(outDir);
        Map<String, String> values = new LinkedHashMap<>(partition.values());
        return new PartitionCompaction(partition.path(), values, inputs, outputs, rowsIn, written, columns, drift);
    }

    /** One output file: written under a hidden name, its time set, forced to disk, renamed. */
    private StagedFile write(String query, Path outDir, String name, int rowGroupSize, long mtimeNanos) throws SQLException, IOException {
        Path tmp = outDir.resolve("." + name + ".tmp").toAbsolutePath();
        long rows = copy(query, tmp, rowGroupSize);
        Files.setLastModifiedTime(tmp, FileTime.from(mtimeNanos, TimeUnit.NANOSECONDS));
        force(tmp);
        Path target = outDir.resolve(name);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return new StagedFile(name, Files.size(target), rows);
    }

    /** "column x is missing from 3 of 10 files", "column v has types INTEGER, DOUBLE (read as DOUBLE)". */
    private List<String> drift(List<Path> files, List<Column> union) throws SQLException {
        if (files.size() < 2) {
            return List.of();
        }
        Map<String, Integer> present = new LinkedHashMap<>();
        Map<String, java.util.Set<String>> types = new LinkedHashMap<>();
        for (Path f : files) {
            for (Column c : describe("SELECT * FROM read_parquet(" + Sql.literal(f) + ", hive_partitioning = false)")) {
                present.merge(c.name(), 1, Integer::sum);
                types.computeIfAbsent(c.name(), k -> new java.util.TreeSet<>()).add(c.type());
            }
        }
        List<String> notes = new ArrayList<>();
        for (Column c : union) {
            int n = present.getOrDefault(c.name(), 0);
            if (n < files.size()) {
                notes.add("column " + c.name() + " is missing from " + (files.size() - n) + " of " + files.size()
                        + " files (read as NULL there)");
            }
            java.util.Set<String> t = types.getOrDefault(c.name(), java.util.Set.of());
            if (t.size() > 1) {
                notes.add("column " + c.name() + " has types " + String.join(", ", t) + " (read as " + c.type() + ")");
            }
        }
        return notes;
    }

    private long copy(String query, Path target, int rowGroupSize) throws SQLException {
        String sql = "COPY (" + query + ") TO " + Sql.literal(target)
                + " (FORMAT PARQUET, COMPRESSION ZSTD, ROW_GROUP_SIZE " + rowGroupSize + ", RETURN_STATS)";
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            long rows = 0;
            while (rs.next()) {
                rows += rs.getLong("count");
            }
            return rows;
        }
    }

    List<Column> describe(String query) throws SQLException {
        List<Column> out = new ArrayList<>();
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("DESCRIBE " + query)) {
            while (rs.next()) {
                out.add(new Column(rs.getString("column_name"), rs.getString("column_type")));
            }
        }
        return out;
    }

    private void execute(String sql) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute(sql);
        }
    }

    private long single(String sql) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static void force(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
