package io.duckdag.lake;

import io.duckdag.pipeline.TableSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks one compacted partition against the inputs it replaces, without trusting the
 * compaction query: the expected rows are computed another way (an aggregate that keeps the
 * latest row per key, not a window), then row count, an order-independent checksum
 * (sum of row hashes, which duplicates cannot cancel), distinct keys, columns and types, and
 * the order of every file are compared. Any difference is a {@link LakeException} naming the
 * partition and the difference.
 */
public final class Verifier {
    private final Connection connection;
    private final Compactor declaredTypes; // for the declared types, worked out once per step

    public Verifier(Connection connection) {
        this.connection = connection;
        this.declaredTypes = new Compactor(connection);
    }

    public Verification.VerifiedPartition verify(TableSpec table, PartitionCompaction c, Path liveTable, Path stagedTable)
            throws SQLException, IOException {
        String where = "partition " + c.asPartition().label() + " of " + table.name();
        Path liveDir = c.asPartition().dirIn(liveTable);
        Path stagedDir = c.asPartition().dirIn(stagedTable);
        List<Path> inputs = new ArrayList<>();
        List<Long> mtimes = new ArrayList<>();
        java.util.Map<String, LakeFile> live = new java.util.HashMap<>();
        LakeScanner.files(liveDir).forEach(x -> live.put(x.name(), x));
        for (LakeFile f : c.inputs()) {
            Path p = liveDir.resolve(f.name()).toAbsolutePath();
            LakeFile now = live.get(f.name());
            if (now == null) {
                throw new LakeException(where + ": input file " + f.name() + " is no longer in " + liveDir
                        + "; something removed it after compaction read it. Run compact again");
            }
            if (!now.equals(f)) {
                throw new LakeException(where + ": input file " + f.name() + " changed after compaction read it (size or time differ); run compact again");
            }
            inputs.add(p);
            mtimes.add(f.mtimeNanos());
        }
        List<Path> outputs = new ArrayList<>();
        for (StagedFile f : c.outputs()) {
            Path p = stagedDir.resolve(f.name()).toAbsolutePath();
            if (!Files.isRegularFile(p)) {
                throw new LakeException(where + ": staged file " + p + " is missing; run compact again");
            }
            outputs.add(p);
        }
        List<String> names = c.columns().stream().map(Column::name).toList();
        if (outputs.isEmpty()) {
            long expectedRows = inputs.isEmpty() ? 0 : Long.parseLong(row("SELECT count(*) FROM " + TableSql.source(inputs))[0]);
            if (expectedRows != 0) {
                throw new LakeException(where + ": compaction wrote no file but the inputs hold " + expectedRows + " rows");
            }
            return new Verification.VerifiedPartition(c.partition(), 0, "0", c.rowsIn(), List.of());
        }
        for (Path out : outputs) {
            List<Column> columns;
            try {
                columns = new Compactor(connection).describe("SELECT * FROM read_parquet(" + Sql.literal(out) + ", hive_partitioning = false)");
            } catch (SQLException e) {
                throw new LakeException(where + ": staged file " + out.getFileName() + " cannot be read by DuckDB: " + firstLine(e));
            }
            for (Column col : columns) {
                String folded = InputSchema.fold(col.name());
                if (folded.equals("file_index") || folded.equals("file_row_number") || folded.startsWith("__duckdag_")) {
                    // Such a column would hide the file and row numbers the order check reads; compaction refuses it in the inputs.
                    throw new LakeException(where + ": staged file " + out.getFileName() + " has a column named " + col.name()
                            + ", which compaction refuses in its inputs; nothing was swapped");
                }
            }
            if (!columns.equals(c.columns())) {
                throw new LakeException(where + ": staged file " + out.getFileName() + " has columns (" + join(columns)
                        + ") but the inputs have (" + join(c.columns()) + ")");
            }
        }
        // The expected rows are the inputs read file group by file group in their own types, each
        // value cast straight to the type the staged files hold: a value compaction changed on the
        // way (read through a wider type, say) hashes differently. Each such cast must be one the
        // rules allow, and must give back every value.
        java.util.Map<Path, List<Column>> schemas = FileSchemas.read(connection, inputs);
        InputSchema.requireDistinctNames(where, schemas);
        List<InputSchema.Group> groups = InputSchema.groups(schemas, table.partitionBy());
        checkTypes(where, table, groups, c.columns());
        long expectedRows;
        String expectedChecksum;
        if (c.expected() != null && c.expected().current()) {
            // Compaction read the inputs once into memory and ran this class's aggregate on them
            // there (TableSql.expectedLoaded), with the partition-value check, before it sorted.
            expectedRows = c.expected().rows();
            expectedChecksum = c.expected().checksum();
        } else {
            Compactor.checkPartitionValues(connection, where, c.asPartition(), schemas);
            if (!table.key().isEmpty()) {
                execute(TableSql.inputsTable(inputs, mtimes));
            }
            String[] expected = row(TableSql.expected(TableSql.rows(groups, c.columns()), c.columns(), table.key()));
            expectedRows = Long.parseLong(expected[0]);
            expectedChecksum = expected[1];
        }
        String[] actual;
        try {
            actual = row(TableSql.actual(outputs, c.columns(), table.key()));
        } catch (SQLException e) {
            throw new LakeException(where + ": the staged files cannot be read by DuckDB: " + firstLine(e));
        }
        long rows = Long.parseLong(actual[0]);
        long distinctKeys = Long.parseLong(actual[2]);
        String what = table.key().isEmpty() ? "the inputs hold" : "the inputs hold after collapsing duplicate keys";
        if (rows != expectedRows) {
            throw new LakeException(where + ": the staged output has " + rows + " rows but " + what + " " + expectedRows
                    + "; nothing was swapped");
        }
        if (!table.key().isEmpty() && distinctKeys != rows) {
            throw new LakeException(where + ": the staged output has " + (rows - distinctKeys) + " rows with a duplicate key ("
                    + String.join(", ", table.key()) + "); nothing was swapped");
        }
        if (!actual[1].equals(expectedChecksum)) {
            throw new LakeException(where + ": the staged output has the right number of rows (" + rows
                    + ") but their contents differ from the inputs (row checksum " + actual[1] + " instead of " + expectedChecksum
                    + "); nothing was swapped");
        }
        if (!table.sortBy().isEmpty()) {
            String[] disorder = row(TableSql.disorder(outputs, table.sortBy()));
            if (!disorder[0].equals("0")) {
                throw new LakeException(where + ": staged file " + outputs.get(Integer.parseInt(disorder[1])).getFileName() + " is not sorted by "
                        + String.join(", ", table.sortBy()) + " (" + disorder[0] + " rows out of order, the first at row "
                        + disorder[2] + "); nothing was swapped");
            }
        }
        List<StagedFile> sized = new ArrayList<>();
        for (int i = 0; i < outputs.size(); i++) {
            StagedFile f = c.outputs().get(i);
            sized.add(new StagedFile(f.name(), Files.size(outputs.get(i)), f.rows()));
        }
        return new Verification.VerifiedPartition(c.partition(), rows, actual[1], c.rowsIn() - rows, sized);
    }

    /**
     * Every input column is in the output, with its own type, a type it widens to exactly, or
     * the type declared for it; and wherever the type differs, every value converts exactly.
     */
    private void checkTypes(String where, TableSpec table, List<InputSchema.Group> groups, List<Column> output) throws SQLException {
        java.util.Map<String, String> declared = declaredTypes.declaredTypes(table);
        java.util.Map<String, String> out = InputSchema.byName();
        output.forEach(col -> out.put(col.name(), col.type()));
        java.util.Map<String, String> declaredByName = InputSchema.byName();
        declaredByName.putAll(declared);
        for (String name : out.keySet()) {
            if (groups.stream().noneMatch(g -> g.types().containsKey(name))) {
                throw new LakeException(where + ": the staged output has a column " + name + " that no input file has; nothing was swapped");
            }
        }
        for (InputSchema.Group g : groups) {
            String file = g.files().get(0).getFileName().toString();
            for (java.util.Map.Entry<String, String> col : g.types().entrySet()) {
                String name = col.getKey();
                String own = col.getValue();
                String written = out.get(name);
                if (written == null) {
                    throw new LakeException(where + ": column " + name + " of input file " + file + " is missing from the staged output; nothing was swapped");
                }
                if (own.equals(written)) {
                    continue;
                }
                if (!TypeWidening.exact(own, written) && !written.equals(declaredByName.get(name))) {
                    throw new LakeException(where + ": column " + name + " is " + written + " in the staged output but " + own
                            + " in input file " + file + ", a type that does not convert exactly to " + written
                            + " and is not declared; nothing was swapped");
                }
                java.util.Optional<String> uncheckable = TableSql.uncheckable(own, written);
                if (uncheckable.isPresent()) {
                    throw new LakeException(where + ": column " + name + " is " + written + " in the staged output but " + own
                            + " in input file " + file + ": " + uncheckable.get() + "; nothing was swapped");
                }
                String[] bad = row(TableSql.inexact(g.files(), name, own, written));
                if (!bad[0].equals("0")) {
                    throw new LakeException(where + ": column " + name + ": " + bad[0] + " value(s) of input file "
                            + Path.of(bad[1]).getFileName() + " (" + own + ") change when written as " + written + ", e.g. '" + bad[2]
                            + "'; nothing was swapped");
                }
            }
        }
    }

    private String[] row(String sql) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            int n = rs.getMetaData().getColumnCount();
            String[] out = new String[n];
            for (int i = 0; i < n; i++) {
                out[i] = rs.getString(i + 1);
            }
            return out;
        }
    }

    private void execute(String sql) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute(sql);
        }
    }

    private static String join(List<Column> columns) {
        return String.join(", ", columns.stream().map(Column::toString).toList());
    }

    private static String firstLine(SQLException e) {
        String m = e.getMessage();
        return m == null ? "no reason given" : m.strip().lines().findFirst().orElse("no reason given");
    }
}
