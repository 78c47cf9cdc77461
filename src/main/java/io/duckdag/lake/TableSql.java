package io.duckdag.lake;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The SQL that reads, compacts and checks one partition, built in one place with every
 * identifier and literal quoted. Files are always named one by one (never a folder glob), so
 * a file that arrives while duckdag works is not read.
 */
public final class TableSql {
    /** The column read_parquet adds with each row's file. */
    public static final String FILE = "__duckdag_file";
    /** The temporary table of input files with their modification times. */
    public static final String INPUTS = "__duckdag_inputs";
    /**
     * Prefix of the names this SQL gives to its own values beside the table's columns, so that
     * a column named like one of them (n, m, p0) is never taken for it.
     */
    private static final String OWN = "__duckdag_";

    private TableSql() {
    }

    public static String fileList(List<Path> files) {
        return files.stream().map(Sql::literal).collect(Collectors.joining(", ", "[", "]"));
    }

    /** Every row of the files with its file name and row number, columns matched by name. */
    public static String source(List<Path> files) {
        return "read_parquet(" + fileList(files) + ", union_by_name = true, hive_partitioning = false, filename = "
                + Sql.literal(FILE) + ", file_row_number = true)";
    }

    /**
     * Every row of the groups of files with its file name and row number, each column cast to
     * its type in {@code columns} where a group's own type differs (NULL where a group lacks
     * it). Each group is read on its own, so DuckDB never widens a type on its own account.
     */
    public static String rows(List<InputSchema.Group> groups, List<Column> columns) {
        if (groups.size() == 1 && columns.stream().allMatch(c -> c.type().equals(groups.get(0).types().get(c.name())))) {
            return source(groups.get(0).files());
        }
        if (groups.isEmpty()) {
            throw new IllegalArgumentException("no files to read");
        }
        StringBuilder sql = new StringBuilder("(");
        for (int g = 0; g < groups.size(); g++) {
            InputSchema.Group group = groups.get(g);
            sql.append(g > 0 ? " UNION ALL " : "").append("SELECT ");
            sql.append(castColumns(group, columns));
            sql.append(Sql.identifier(FILE)).append(", file_row_number FROM ").append(source(group.files()));
        }
        return sql.append(")").toString();
    }

    /** The temporary table a partition's inputs are read into once, when they fit in memory. */
    public static final String LOADED = "__duckdag_loaded";
    /** Its columns beside the data: the file's place in name order, in order of writing, its row, a bad partition value. */
    static final String FILE_NO = OWN + "file_no";
    static final String RECENCY = OWN + "recency";
    static final String ROW = OWN + "row";
    static final String BAD_PARTITION_VALUE = OWN + "bad_partition_value";

    /**
     * {@code CREATE TEMP TABLE} {@link #LOADED}: every row of the groups of files, each column cast to
     * its type in {@code columns} as {@link #rows} does, with the number of its file in name order
     * (the tie-break of the sort), the rank of its file in order of writing (time, then name: with a
     * key, the latest row wins), its row number in the file, and whether a partition column written
     * inside the file disagrees with the folder's value.
     *
     * @param fileNo    each file's place in name order
     * @param recency   each file's place in order of writing; null without a key, where no row replaces another
     * @param partition the folder's partition values (null for Hive's default partition)
     */
    public static String load(List<InputSchema.Group> groups, List<Column> columns, java.util.Map<Path, Integer> fileNo,
                              java.util.Map<Path, Integer> recency, java.util.Map<String, String> partition) {
        StringBuilder sql = new StringBuilder("CREATE OR REPLACE TEMP TABLE " + LOADED + " AS ");
        for (int g = 0; g < groups.size(); g++) {
            InputSchema.Group group = groups.get(g);
            sql.append(g > 0 ? " UNION ALL " : "").append("SELECT ");
            sql.append(castColumns(group, columns));
            sql.append(perFile(group.files(), fileNo)).append(" AS ").append(FILE_NO).append(", ");
            if (recency != null) {
                sql.append(perFile(group.files(), recency)).append(" AS ").append(RECENCY).append(", ");
            }
            sql.append("file_row_number AS ").append(ROW)
                    .append(", ").append(badPartitionValue(group, partition)).append(" AS ").append(BAD_PARTITION_VALUE)
                    .append(" FROM read_parquet(").append(fileList(group.files()))
                    // The files of a group have the same columns (DuckDB matches them by name, as it
                    // matches case): no union_by_name, which reads every footer once more to bind.
                    .append(", hive_partitioning = false, file_row_number = true)");
        }
        return sql.toString();
    }

    /** The group's value of each column, cast to its type in {@code columns} (NULL where the group lacks it), each followed by ", ". */
    private static String castColumns(InputSchema.Group group, List<Column> columns) {
        StringBuilder sql = new StringBuilder();
        for (Column c : columns) {
            String own = group.types().get(c.name());
            String id = Sql.identifier(c.name());
            if (own == null) {
                sql.append("CAST(NULL AS ").append(c.type()).append(") AS ").append(id);
            } else if (own.equals(c.type())) {
                sql.append(id);
            } else {
                sql.append(cast(id, own, c.type())).append(" AS ").append(id);
            }
            sql.append(", ");
        }
        return sql.toString();
    }

    /** A number per file of {@code files}, looked up by DuckDB's file_index (the file's place in the list read). */
    private static String perFile(List<Path> files, java.util.Map<Path, Integer> number) {
        boolean identity = true;
        for (int i = 0; i < files.size(); i++) {
            identity &= number.get(files.get(i)) == i;
        }
        if (identity) {
            return "CAST(file_index AS INTEGER)";
        }
        return files.stream().map(f -> String.valueOf(number.get(f))).collect(Collectors.joining(", ", "CAST([", "][CAST(file_index AS BIGINT) + 1] AS INTEGER)"));
    }

    /** True where a partition column the group's files hold differs from the folder's value. */
    private static String badPartitionValue(InputSchema.Group group, java.util.Map<String, String> partition) {
        List<String> checks = new ArrayList<>();
        for (java.util.Map.Entry<String, String> pv : partition.entrySet()) {
            String type = group.partitionTypes().get(pv.getKey());
            if (type != null) {
                String folderValue = Partition.decode(pv.getValue());
                String expected = folderValue == null ? "NULL" : "TRY_CAST(" + Sql.literal(folderValue) + " AS " + type + ")";
                checks.add(Sql.identifier(pv.getKey()) + " IS DISTINCT FROM " + expected);
            }
        }
        return checks.isEmpty() ? "false" : "(" + String.join(" OR ", checks) + ")";
    }

    /** Rows loaded, and how many hold a partition value that differs from their folder's. */
    public static String loadedCounts() {
        return "SELECT count(*), count(*) FILTER (WHERE " + BAD_PARTITION_VALUE + ") FROM " + LOADED;
    }

    /**
     * Verify's expectation, computed on the loaded rows: the same aggregate as {@link #expected}
     * (per key, the hash of the latest row by arg_max; not the join that {@link #compactedLoaded}
     * uses), so the output is checked by another computation than the one that wrote it.
     */
    public static String expectedLoaded(List<Column> dataColumns, List<String> key) {
        String hash = rowHash(dataColumns, "s.");
        if (key.isEmpty()) {
            return "SELECT count(*), coalesce(sum(" + hash + "::HUGEINT), 0) FROM " + LOADED + " s";
        }
        return "SELECT count(*), coalesce(sum(h::HUGEINT), 0) FROM (SELECT arg_max(" + hash + ", (s." + RECENCY + ", s." + ROW
                + ")) AS h FROM " + LOADED + " s GROUP BY " + qualified(key) + ")";
    }

    /** What compaction writes, from the loaded rows: as {@link #compacted}, the latest row per key, sorted with a full tie-break. */
    public static String compactedLoaded(List<String> dataColumns, List<String> key, List<String> sortBy) {
        StringBuilder sql = new StringBuilder();
        if (!key.isEmpty()) {
            sql.append("WITH l AS (SELECT ").append(qualified(key)).append(", max((s.").append(RECENCY).append(", s.").append(ROW)
                    .append(")) AS ").append(OWN).append("latest FROM ").append(LOADED).append(" s GROUP BY ").append(qualified(key)).append(") ");
        }
        sql.append("SELECT ").append(qualified(dataColumns)).append(" FROM ").append(LOADED).append(" s");
        if (!key.isEmpty()) {
            sql.append(" JOIN l ON ");
            for (String k : key) {
                sql.append("s.").append(Sql.identifier(k)).append(" IS NOT DISTINCT FROM l.").append(Sql.identifier(k)).append(" AND ");
            }
            sql.append("(s.").append(RECENCY).append(", s.").append(ROW).append(") = l.").append(OWN).append("latest");
        }
        sql.append(" ORDER BY ");
        for (String c : sortBy) {
            sql.append("s.").append(Sql.identifier(c)).append(" ASC NULLS LAST, ");
        }
        return sql.append("s.").append(FILE_NO).append(", s.").append(ROW).toString();
    }

    /**
     * Rows of {@code files} whose value of {@code column} (of type {@code from}) does not convert
     * exactly to {@code to}: their count, and the smallest such value as text with its file.
     * Exactly means that converting back gives the value written (for FLOAT and DOUBLE, the same
     * text, so -0.0 stays -0.0); text converted to a number must denote the same number, to at
     * most 20 integer and 18 fractional digits (so '1.50' is 1.5, but '9007199254740993' is no
     * DOUBLE and '1.0000000000000000001' no DECIMAL(18,2)).
     */
    public static String inexact(List<Path> files, String column, String from, String to) {
        String v = Sql.identifier(column);
        String converted = "TRY(" + cast(v, from, to) + ")";
        String back = "TRY(" + cast(converted, to, from) + ")";
        String exact;
        if (from.equals("VARCHAR") && isNumeric(to)) {
            String text = "CAST(" + converted + " AS VARCHAR)";
            exact = converted + " IS NOT NULL AND (" + text + " = " + v + " OR (regexp_full_match(" + v + ", "
                    + Sql.literal("\\s*[+-]?[0-9]{1,20}(\\.[0-9]{0,18})?\\s*") + ") AND TRY_CAST(" + text
                    + " AS DECIMAL(38,18)) = TRY_CAST(" + v + " AS DECIMAL(38,18))))";
        } else if (from.equals("FLOAT") || from.equals("DOUBLE") || nested(from) || nested(to)) {
            // The same text: -0.0 stays -0.0, also inside a list or struct, where '=' says -0.0 = 0.
            exact = "CAST(" + back + " AS VARCHAR) = CAST(" + v + " AS VARCHAR)";
        } else {
            exact = back + " IS NOT DISTINCT FROM " + v;
        }
        return "SELECT count(*), arg_min(" + Sql.identifier(FILE) + ", CAST(" + v + " AS VARCHAR)), min(CAST(" + v + " AS VARCHAR)) FROM " + source(files)
                + " WHERE " + v + " IS NOT NULL AND NOT coalesce(" + exact + ", false)";
    }

    /**
     * {@code expr} of type {@code from} as type {@code to}. Mostly a CAST, but CAST turns a BLOB
     * into escaped text ('caf\\xC3\\xA9') and reads escapes in text made a BLOB, so bytes and text
     * convert as UTF-8; and a FLOAT or DOUBLE becomes a DECIMAL through its shortest text, so 0.1
     * is 0.1 and not 0.1000000000000000055.
     */
    /**
     * Why a declared cast from {@code from} to {@code to} cannot be checked exactly, if it cannot:
     * inside a list, struct or map, a cast of BLOB is DuckDB's escaping (not UTF-8), and FLOAT or
     * DOUBLE to DECIMAL is the binary value's digits (not its shortest text) - both would change
     * values that converting back does not reveal.
     */
    public static java.util.Optional<String> uncheckable(String from, String to) {
        if (!(nested(from) || nested(to)) || from.equals(to)) {
            return java.util.Optional.empty();
        }
        if (mentions(from, "BLOB") || mentions(to, "BLOB")) {
            return java.util.Optional.of("a BLOB inside a list, struct or map cannot be converted exactly (DuckDB's cast escapes bytes)");
        }
        if ((mentions(from, "FLOAT") || mentions(from, "DOUBLE")) && mentions(to, "DECIMAL")) {
            return java.util.Optional.of("a FLOAT or DOUBLE inside a list, struct or map cannot be converted to DECIMAL exactly");
        }
        return java.util.Optional.empty();
    }

    private static boolean nested(String type) {
        return type.endsWith("]") || type.startsWith("STRUCT(") || type.startsWith("MAP(") || type.startsWith("UNION(");
    }

    private static boolean mentions(String type, String word) {
        return java.util.regex.Pattern.compile("(^|[^A-Za-z_])" + word + "([^A-Za-z_]|$)").matcher(type).find();
    }

    static String cast(String expr, String from, String to) {
        if (from.equals(to)) {
            return expr;
        }
        if (from.equals("BLOB") && to.equals("VARCHAR")) {
            return "decode(" + expr + ")";
        }
        if (from.equals("VARCHAR") && to.equals("BLOB")) {
            return "encode(" + expr + ")";
        }
        if ((from.equals("FLOAT") || from.equals("DOUBLE")) && to.startsWith("DECIMAL")) {
            return "CAST(CAST(" + expr + " AS VARCHAR) AS " + to + ")";
        }
        return "CAST(" + expr + " AS " + to + ")";
    }

    private static boolean isNumeric(String type) {
        return type.matches("U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)|FLOAT|DOUBLE|DECIMAL\\(\\d+,\\s*\\d+\\)");
    }

    /** The rows the files' footers say they hold: metadata only, no data read. */
    public static String footerRows(List<Path> files) {
        return "SELECT coalesce(sum(num_rows), 0) FROM parquet_file_metadata(" + fileList(files) + ")";
    }

    /** {@code CREATE TEMP TABLE} of the inputs with their modification times, for "most recently written wins". */
    public static String inputsTable(List<Path> files, List<Long> mtimes) {
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < files.size(); i++) {
            values.append(i > 0 ? ", " : "").append("(").append(Sql.literal(files.get(i))).append(", ").append(mtimes.get(i)).append(")");
        }
        return "CREATE OR REPLACE TEMP TABLE " + INPUTS + " AS SELECT * FROM (VALUES " + values + ") t(file, mtime)";
    }

    public static String columns(List<String> names) {
        return names.stream().map(Sql::identifier).collect(Collectors.joining(", "));
    }

    /**
     * The rows compaction writes, sorted with a full tie-break (file, then row number). With a key,
     * each key keeps the row of the most recently written file (then the later file name, then the
     * later row): the latest (time, file, row) per key is aggregated first, which keeps only the
     * key and three small values per key in memory, and the rows are joined back to it. A window
     * over the whole partition, or an aggregate carrying whole rows, ran out of memory on tables
     * a few times larger than the memory limit; this spills.
     */
    public static String compacted(String rows, List<String> dataColumns, List<String> key, List<String> sortBy) {
        StringBuilder sql = new StringBuilder();
        if (!key.isEmpty()) {
            sql.append("WITH l AS (").append(latestPerKey(rows, key)).append(") ");
        }
        // Without a key no row needs its file's time: the inputs table is not joined.
        sql.append("SELECT ").append(qualified(dataColumns)).append(key.isEmpty() ? " FROM " + rows + " s" : joined(rows));
        if (!key.isEmpty()) {
            sql.append(" JOIN l ON ").append(isLatest(key));
        }
        sql.append(" ORDER BY ");
        for (String c : sortBy) {
            sql.append("s.").append(Sql.identifier(c)).append(" ASC NULLS LAST, ");
        }
        return sql.append("s.").append(Sql.identifier(FILE)).append(", s.file_row_number").toString();
    }

    /**
     * Row count and order-independent checksum of what compaction should have written, computed
     * another way than {@link #compacted}: per key, the hash of the row with the greatest
     * (time, file, row), as an aggregate.
     */
    public static String expected(String rows, List<Column> dataColumns, List<String> key) {
        String hash = rowHash(dataColumns, "s.");
        if (key.isEmpty()) {
            return "SELECT count(*), coalesce(sum(" + hash + "::HUGEINT), 0) FROM " + rows + " s";
        }
        return "SELECT count(*), coalesce(sum(h::HUGEINT), 0) FROM (SELECT arg_max(" + hash + ", (i.mtime, s."
                + Sql.identifier(FILE) + ", s.file_row_number)) AS h" + joined(rows) + " GROUP BY " + qualified(key) + ")";
    }

    private static String joined(String rows) {
        return " FROM " + rows + " s JOIN " + INPUTS + " i ON s." + Sql.identifier(FILE) + " = i.file";
    }

    private static String latestPerKey(String rows, List<String> key) {
        return "SELECT " + qualified(key) + ", max((i.mtime, s." + Sql.identifier(FILE) + ", s.file_row_number)) AS " + OWN + "latest"
                + joined(rows) + " GROUP BY " + qualified(key);
    }

    private static String isLatest(List<String> key) {
        StringBuilder on = new StringBuilder();
        for (String k : key) {
            on.append("s.").append(Sql.identifier(k)).append(" IS NOT DISTINCT FROM l.").append(Sql.identifier(k)).append(" AND ");
        }
        return on.append("(i.mtime, s.").append(Sql.identifier(FILE)).append(", s.file_row_number) = l." + OWN + "latest").toString();
    }

    /** Row count, checksum and distinct key count of staged files. */
    public static String actual(List<Path> files, List<Column> dataColumns, List<String> key) {
        // row(...) even for one column: count(DISTINCT x) skips a NULL x, but NULL is a key value like any other.
        String distinct = key.isEmpty() ? "count(*)" : "count(DISTINCT row(" + columns(key) + "))";
        return "SELECT count(*), coalesce(sum(" + rowHash(dataColumns, "") + "::HUGEINT), 0), " + distinct
                + " FROM read_parquet(" + fileList(files) + ", hive_partitioning = false)";
    }

    /**
     * Rows that come after a larger row in sort order, reading the files in the order given
     * (name order): zero when every file is sorted and the files follow each other. Also the
     * first such row: its file's place in {@code files}, and its row number there.
     */
    public static String disorder(List<Path> files, List<String> sortBy) {
        StringBuilder lags = new StringBuilder();
        for (int i = 0; i < sortBy.size(); i++) {
            lags.append(", lag(").append(Sql.identifier(sortBy.get(i))).append(") OVER w AS ").append(OWN).append("p").append(i);
        }
        String gt = greater(sortBy, 0);
        // In the order of the list (file_index), which is name order: two integers sort faster than the file's name.
        return "SELECT count(*), arg_min(" + OWN + "f, (" + OWN + "f, file_row_number)), arg_min(file_row_number, (" + OWN + "f, file_row_number)) FROM (SELECT "
                + columns(sortBy) + ", file_index AS " + OWN + "f, file_row_number, row_number() OVER w AS " + OWN + "n" + lags
                + " FROM read_parquet(" + fileList(files) + ", hive_partitioning = false, file_row_number = true) WINDOW w AS (ORDER BY "
                + "file_index, file_row_number)) WHERE " + OWN + "n > 1 AND (" + gt + ")";
    }

    /** prev > cur in ASC NULLS LAST order, lexicographically from column i on. */
    private static String greater(List<String> sortBy, int i) {
        String p = OWN + "p" + i;
        String c = Sql.identifier(sortBy.get(i));
        String gt = "((" + p + " IS NOT NULL AND " + c + " IS NOT NULL AND " + p + " > " + c + ") OR (" + p + " IS NULL AND " + c + " IS NOT NULL))";
        if (i == sortBy.size() - 1) {
            return gt;
        }
        return "(" + gt + " OR (" + p + " IS NOT DISTINCT FROM " + c + " AND " + greater(sortBy, i + 1) + "))";
    }

    /** Which way {@link #rowHash} hashes a row; a recorded expectation of another version is not compared with it. */
    public static final int CHECKSUM_VERSION = 2;

    /**
     * The hash of one row, for the order-independent checksums: DuckDB's hash of its values, and
     * what that hash cannot tell apart, so that verify can: the sign of a float (-0.0 and 0.0, -NaN
     * and NaN) and, for a nested value, its text ([] and NULL and [NULL], a struct of NULLs and
     * NULL, a -0.0 inside a list).
     */
    static String rowHash(List<Column> columns, String qualifier) {
        List<String> terms = new ArrayList<>();
        for (Column c : columns) {
            terms.add(qualifier + Sql.identifier(c.name()));
        }
        for (Column c : columns) {
            String id = qualifier + Sql.identifier(c.name());
            String type = c.type().toUpperCase(java.util.Locale.ROOT);
            if (type.equals("DOUBLE") || type.equals("FLOAT") || type.equals("REAL")) {
                terms.add("signbit(" + id + ")");
            } else if (type.contains("[") || type.startsWith("STRUCT") || type.startsWith("MAP") || type.startsWith("UNION")) {
                terms.add(id + "::VARCHAR");
            }
        }
        return "hash(" + String.join(", ", terms) + ")";
    }

    private static String qualified(List<String> names) {
        return names.stream().map(n -> "s." + Sql.identifier(n)).collect(Collectors.joining(", "));
    }
}
