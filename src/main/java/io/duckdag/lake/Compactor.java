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
    private Map<String, String> declared;
    private String declaredFor = "";

    /** Where the compactor says how far a long statement has got ("sorting and writing, 40%"). */
    private java.util.function.Consumer<String> progress = text -> { };

    /** Partitions whose files take at most this many bytes on disk are read into memory once. */
    private final long readOnceBytes;

    public Compactor(Connection connection) {
        this(connection, 0);
    }

    /**
     * @param readOnceBytes the most bytes of input files (on disk) a partition may have to be read
     *                      into memory once, serving both the sort and verify's expectation; larger
     *                      partitions are streamed, and verify reads their inputs again itself
     */
    public Compactor(Connection connection, long readOnceBytes) {
        this.connection = connection;
        this.readOnceBytes = readOnceBytes;
    }

    /** Sends the progress of long statements to {@code progress} from now on. */
    public void onProgress(java.util.function.Consumer<String> progress) {
        this.progress = progress;
    }

    /** The read-once budget for a memory limit: compressed Parquet grows several times in memory. */
    public static long readOnceBudget(long memoryLimitBytes) {
        return memoryLimitBytes / 16;
    }

    public PartitionCompaction compact(TableSpec table, Partition partition, Path liveDir, List<LakeFile> inputs,
                                       Path outDir, String filePrefix, long targetFileBytes, int rowGroupSize)
            throws SQLException, IOException {
        List<Path> files = new ArrayList<>();
        List<Long> mtimes = new ArrayList<>();
        // In name order: a file's place in this list is the sort's tie-break when the inputs are read once.
        for (LakeFile f : inputs.stream().sorted(java.util.Comparator.comparing(LakeFile::name, Compactor::byBytes)).toList()) {
            Path p = liveDir.resolve(f.name()).toAbsolutePath();
            if (LakeScanner.hasGlobCharacters(p)) {
                throw new LakeException("partition " + partition.label() + " of " + table.name() + ": the path " + p
                        + " holds a character DuckDB reads as a glob pattern (* ? [ ] { }); rename the file or folder");
            }
            files.add(p);
            mtimes.add(f.mtimeNanos());
        }
        String where = "partition " + partition.label() + " of " + table.name();
        Map<Path, List<Column>> schemas = FileSchemas.read(connection, files);
        InputSchema schema = InputSchema.resolve(where, schemas, declaredTypes(table), table.partitionBy());
        long inputBytes = inputs.stream().mapToLong(LakeFile::size).sum();
        boolean readOnce = inputBytes <= readOnceBytes;
        if (!readOnce) {
            checkPartitionValues(connection, where, partition, schemas);
        }
        List<String> names = schema.names();
        for (String needed : concat(table.sortBy(), table.key())) {
            if (!InputSchema.contains(names, needed)) {
                throw new LakeException(where + ": column " + needed + " (in sort_by or key) is in none of its " + files.size()
                        + " files; the files have: " + String.join(", ", names));
            }
        }
        // A column in the files by one of these names would take the place of DuckDB's own while reading
        // (a real file_index hides the file's number), or of duckdag's (the tie-break, the rank of a file
        // by time, the partition check), so rows could be ordered or kept by the user's values.
        for (List<Column> cols : schemas.values()) {
            for (Column c : cols) {
                String folded = InputSchema.fold(c.name());
                if (folded.equals("file_row_number") || folded.equals("file_index") || folded.startsWith("__duckdag_")) {
                    throw new LakeException(where + ": the files have a column named " + c.name() + ", a name DuckDB itself gives "
                            + "the row or file number while reading (file_row_number, file_index), or that duckdag uses for its own "
                            + "(names starting __duckdag_); rename that column in the files; nothing was written");
                }
            }
        }
        checkDeclared(where, table, schema);
        try {
            return compactChecked(table, partition, inputs, outDir, filePrefix, targetFileBytes, rowGroupSize, files, mtimes, where,
                    schemas, schema, names, inputBytes, readOnce);
        } finally {
            if (readOnce) {
                // On every path, a failure included: the loaded partition must not stay in memory.
                execute("DROP TABLE IF EXISTS " + TableSql.LOADED);
            }
        }
    }

    private PartitionCompaction compactChecked(TableSpec table, Partition partition, List<LakeFile> inputs, Path outDir, String filePrefix,
                                               long targetFileBytes, int rowGroupSize, List<Path> files, List<Long> mtimes, String where,
                                               Map<Path, List<Column>> schemas, InputSchema schema, List<String> names, long inputBytes,
                                               boolean readOnce) throws SQLException, IOException {
        long rowsIn;
        String query;
        PartitionCompaction.Expected expected = null;
        if (readOnce) {
            // One read of the inputs serves the partition-value check, verify's expectation and the sort.
            String load = TableSql.load(schema.groups(), schema.columns(), numbered(files), table.key().isEmpty() ? null : numbered(byRecency(files, mtimes)), partition.values());
            try (Statement s = connection.createStatement();
                 QueryProgress watch = QueryProgress.watch(s, "reading " + files.size() + " files", text -> progress.accept(text))) {
                s.execute(load);
            }
            long[] counts = longs(TableSql.loadedCounts());
            rowsIn = counts[0];
            if (counts[1] > 0) {
                checkPartitionValues(connection, where, partition, schemas); // names the file and value
                throw new LakeException(where + ": " + counts[1] + " rows hold a partition column whose value differs from their folder's");
            }
            String[] e = strings(TableSql.expectedLoaded(schema.columns(), table.key()));
            expected = new PartitionCompaction.Expected(Long.parseLong(e[0]), e[1], TableSql.CHECKSUM_VERSION);
            query = TableSql.compactedLoaded(names, table.key(), table.sortBy());
        } else {
            if (!table.key().isEmpty()) {
                execute(TableSql.inputsTable(files, mtimes));
            }
            // From the footers, not a pass over the data (which cost nearly a second read of the inputs);
            // verify counts the rows itself.
            rowsIn = single(TableSql.footerRows(files));
            query = TableSql.compacted(TableSql.rows(schema.groups(), schema.columns()), names, table.key(), table.sortBy());
        }
        return write(partition, inputs, outDir, filePrefix, targetFileBytes, rowGroupSize, mtimes, schema, rowsIn, query, expected, inputBytes);
    }

    private PartitionCompaction write(Partition partition, List<LakeFile> inputs, Path outDir, String filePrefix, long targetFileBytes,
                                      int rowGroupSize, List<Long> mtimes, InputSchema schema, long rowsIn, String query,
                                      PartitionCompaction.Expected expected, long inputBytes) throws SQLException, IOException {
        List<Column> columns = schema.columns();
        List<String> drift = schema.drift();
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
        return new PartitionCompaction(partition.path(), values, inputs, outputs, rowsIn, written, columns, drift, List.of(), List.of(), expected);
    }

    /** Names compared as DuckDB compares text: by their UTF-8 bytes. */
    private static int byBytes(String a, String b) {
        return java.util.Arrays.compareUnsigned(a.getBytes(java.nio.charset.StandardCharsets.UTF_8), b.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The files in order of writing: modification time, then name (the later name wins a tie, as in {@link TableSql#compacted}). */
    private static List<Path> byRecency(List<Path> files, List<Long> mtimes) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            order.add(i);
        }
        // files are in name order already, so a stable sort by time keeps name order within a time
        order.sort(java.util.Comparator.comparing(mtimes::get));
        return order.stream().map(files::get).toList();
    }

    private static Map<Path, Integer> numbered(List<Path> files) {
        Map<Path, Integer> out = new java.util.HashMap<>();
        for (int i = 0; i < files.size(); i++) {
            out.put(files.get(i), i);
        }
        return out;
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

    /**
     * The inputs DuckDB cannot read, each tried on its own: every column of every row is decoded
     * (a hash of the whole row), since a damaged page deep in a file fails only when it is read.
     * Used after a compaction failed, because DuckDB's errors often name no file. A file the
     * system would not let DuckDB open (permissions, an I/O error) is not counted: that fails here.
     */
    public List<UnreadableFile> unreadable(Path liveDir, List<LakeFile> inputs) {
        List<UnreadableFile> bad = new ArrayList<>();
        for (LakeFile f : inputs) {
            Path p = liveDir.resolve(f.name()).toAbsolutePath();
            String sql = "SELECT count(*), min(hash(*COLUMNS(*))) FROM read_parquet(" + Sql.literal(p) + ", hive_partitioning = false)";
            try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
                rs.next();
            } catch (SQLException e) {
                String m = e.getMessage() == null ? "no reason given" : e.getMessage().strip().lines().findFirst().orElse("no reason given");
                if (outOfMemory(m)) {
                    continue; // too big for the memory limit is not damage: never quarantine a good file for it
                }
                if (m.startsWith("IO Error") || m.contains("Permission denied") || m.contains("Too many open files")) {
                    // The file may be fine; the system would not let DuckDB read it (permissions, EIO, limits).
                    throw new LakeException("DuckDB could not open " + p + " (" + m + "); this is no damage to the file that "
                            + "duckdag could set aside: check its permissions and the disk, then resume the run");
                }
                bad.add(new UnreadableFile(f, m));
            }
        }
        return bad;
    }

    /**
     * A partition column written inside the files must hold the folder's value: compaction keeps
     * the folder's value and writes no such column, so any other value would be lost.
     */
    static void checkPartitionValues(Connection connection, String where, Partition partition, Map<Path, List<Column>> schemas)
            throws SQLException {
        for (Map.Entry<String, String> pv : partition.values().entrySet()) {
            Map<String, List<Path>> filesByType = new LinkedHashMap<>();
            schemas.forEach((file, columns) -> columns.stream().filter(c -> InputSchema.fold(c.name()).equals(InputSchema.fold(pv.getKey())))
                    .findFirst().ifPresent(c -> filesByType.computeIfAbsent(c.type(), k -> new ArrayList<>()).add(file)));
            String folderValue = Partition.decode(pv.getValue());
            for (Map.Entry<String, List<Path>> g : filesByType.entrySet()) {
                String col = Sql.identifier(pv.getKey());
                String expected = folderValue == null ? "NULL" : "TRY_CAST(" + Sql.literal(folderValue) + " AS " + g.getKey() + ")";
                String text = "coalesce(CAST(" + col + " AS VARCHAR), 'NULL')";
                String sql = "SELECT count(*), arg_min(" + Sql.identifier(TableSql.FILE) + ", " + text + "), min(" + text
                        + ") FROM " + TableSql.source(g.getValue()) + " WHERE " + col + " IS DISTINCT FROM " + expected;
                try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
                    rs.next();
                    if (rs.getLong(1) > 0) {
                        throw new LakeException(where + ": file " + Path.of(rs.getString(2)).getFileName() + " holds " + pv.getKey() + " = "
                                + rs.getString(3) + " inside (" + rs.getLong(1) + " rows of its partition's files differ), but its folder says "
                                + pv.getKey() + "=" + pv.getValue() + (folderValue == null ? " (NULL)" : "") + "; the folder's value wins and the column inside the files is not "
                                + "written, so that value would be lost. Move those rows to their partition, or drop the column from "
                                + "the files; nothing was written");
                    }
                }
            }
        }
    }

    /** DuckDB's out-of-memory errors: "Out of Memory Error: failed to allocate data of size 2.0 GiB ...". */
    public static boolean outOfMemory(String message) {
        String m = String.valueOf(message).toLowerCase(java.util.Locale.ROOT);
        return m.contains("out of memory") || m.contains("failed to allocate");
    }

    /** The declared types of {@code table}, worked out once per step (they cost a query and a probe file each). */
    public Map<String, String> declaredTypes(TableSpec table) throws SQLException {
        if (declared == null || !declaredFor.equals(table.name())) {
            declared = declaredTypes(connection, table);
            declaredFor = table.name();
        }
        return declared;
    }

    /** DuckDB's own spelling of a type as written ({@code double} is DOUBLE, {@code decimal(18,2)} DECIMAL(18,2)). */
    public static String canonicalType(Connection connection, String type) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT typeof(CAST(NULL AS " + type + "))")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** The table's declared column types in DuckDB's own spelling ({@code double} reads as DOUBLE). */
    public static Map<String, String> declaredTypes(Connection connection, TableSpec table) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> c : table.columns().entrySet()) {
            try {
                String canonical = canonicalType(connection, c.getValue());
                if (canonical.equals("HUGEINT") || canonical.equals("UHUGEINT")) {
                    throw new LakeException("table " + table.name() + ": columns: " + c.getKey() + ": DuckDB writes " + canonical
                            + " to Parquet as DOUBLE, which would round large values; declare DECIMAL(38,0) instead");
                }
                String stored = storedAs(connection, canonical);
                if (!stored.equals(canonical)) {
                    throw new LakeException("table " + table.name() + ": columns: " + c.getKey() + ": a Parquet file cannot hold "
                            + canonical + " (DuckDB writes it as " + stored + "); declare " + stored + " instead");
                }
                out.put(c.getKey(), canonical);
            } catch (SQLException e) {
                throw new LakeException("table " + table.name() + ": columns: " + c.getKey() + ": DuckDB does not know the type '"
                        + c.getValue() + "' (" + e.getMessage().strip().lines().findFirst().orElse("") + "); use a DuckDB type such as "
                        + "BIGINT, DOUBLE, DECIMAL(18,4), VARCHAR, DATE or TIMESTAMP");
            }
        }
        return out;
    }

    /** The type a column of {@code type} has once written to Parquet and read back (TIMESTAMP_MS comes back TIMESTAMP). */
    private static String storedAs(Connection connection, String type) throws SQLException {
        Path probe;
        try {
            probe = Files.createTempFile("duckdag-type-", ".parquet");
        } catch (IOException e) {
            return type; // cannot probe: verify still compares the written types
        }
        try (Statement s = connection.createStatement()) {
            s.execute("COPY (SELECT CAST(NULL AS " + type + ") AS c) TO " + Sql.literal(probe.toAbsolutePath()) + " (FORMAT PARQUET)");
            try (ResultSet rs = s.executeQuery("SELECT column_type FROM (DESCRIBE SELECT * FROM read_parquet("
                    + Sql.literal(probe.toAbsolutePath()) + "))")) {
                rs.next();
                return rs.getString(1);
            }
        } finally {
            try {
                Files.deleteIfExists(probe);
            } catch (IOException ignored) {
                // a leftover empty probe in the temp folder harms nothing
            }
        }
    }

    /** Every value of a column whose type is declared must convert to it exactly; else fail naming the file. */
    private void checkDeclared(String where, TableSpec table, InputSchema schema) throws SQLException {
        for (Column c : schema.columns()) {
            if (!InputSchema.contains(List.copyOf(table.columns().keySet()), c.name())) {
                continue;
            }
            for (InputSchema.Group g : schema.groups()) {
                String own = g.types().get(c.name());
                if (own == null || own.equals(c.type()) || TypeWidening.exact(own, c.type())) {
                    continue;
                }
                java.util.Optional<String> uncheckable = TableSql.uncheckable(own, c.type());
                if (uncheckable.isPresent()) {
                    throw new LakeException(where + ": column " + c.name() + " is declared " + c.type() + " but is " + own + " in "
                            + g.files().get(0).getFileName() + ": " + uncheckable.get() + "; nothing was written. Declare a type whose "
                            + "elements need no such conversion (" + own + " itself, say)");
                }
                try (Statement s = connection.createStatement();
                     ResultSet rs = s.executeQuery(TableSql.inexact(g.files(), c.name(), own, c.type()))) {
                    rs.next();
                    long bad = rs.getLong(1);
                    if (bad > 0) {
                        throw new LakeException(where + ": column " + c.name() + " is declared " + c.type() + ", but " + bad
                                + " value(s) of type " + own + " do not convert to it exactly, e.g. '" + rs.getString(3) + "' in "
                                + Path.of(rs.getString(2)).getFileName() + "; nothing was written. Fix those values, or declare a type "
                                + "that holds them (e.g. VARCHAR or a wider DECIMAL)");
                    }
                }
            }
        }
    }

    private long copy(String query, Path target, int rowGroupSize) throws SQLException {
        String sql = "COPY (" + query + ") TO " + Sql.literal(target)
                + " (FORMAT PARQUET, COMPRESSION ZSTD, ROW_GROUP_SIZE " + rowGroupSize + ", RETURN_STATS)";
        try (Statement s = connection.createStatement();
             QueryProgress watch = QueryProgress.watch(s, "sorting and writing", text -> progress.accept(text));
             ResultSet rs = s.executeQuery(sql)) {
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

    private long[] longs(String sql) throws SQLException {
        String[] row = strings(sql);
        long[] out = new long[row.length];
        for (int i = 0; i < row.length; i++) {
            out[i] = Long.parseLong(row[i]);
        }
        return out;
    }

    private String[] strings(String sql) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            String[] out = new String[rs.getMetaData().getColumnCount()];
            for (int i = 0; i < out.length; i++) {
                out[i] = rs.getString(i + 1);
            }
            return out;
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
