package io.duckdag.lake;

import io.duckdag.pipeline.DuckDbSettings;
import io.duckdag.pipeline.TableSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What {@code duckdag init} finds in a lake someone else filled: its tables (the folders of the
 * lake), their partition columns (the {@code col=value} folders above the files), their columns
 * (from the footers of some files), and a guess at {@code sort_by} and {@code key}, each with
 * the reason for it, so that the user can judge the guess.
 */
public final class LakeSurvey {
    /** Column names that hold an instrument's code, most likely first. */
    static final List<String> CODE_NAMES = List.of("ts_code", "code", "symbol", "ticker", "stock_code", "sec_code", "secid",
            "instrument", "con_code", "fund_code", "index_code");
    /** Column names that hold the date a row is about, most likely first. */
    static final List<String> DATE_NAMES = List.of("trade_date", "end_date", "date", "cal_date", "ann_date", "f_ann_date",
            "datetime", "timestamp", "time", "ts");
    /** Columns that tell apart several versions of one report (income, balance sheets). */
    static final List<String> VERSION_NAMES = List.of("report_type", "comp_type");
    /** Footers read per table: enough to see its columns without reading a large lake. */
    static final int SAMPLE = 200;

    /**
     * @param keyUnique whether the key, when guessed, is unique in every row of the table now
     *                  (empty when no key was guessed or the check failed)
     * @param rows      the table's rows, from the footers
     */
    public record Table(String name, int files, long rows, List<String> partitionBy, List<Column> columns, List<String> sortBy,
                        List<String> key, Optional<Long> duplicateKeys, List<String> reasons) {
    }

    private LakeSurvey() {
    }

    public static List<Table> survey(Path lake, DuckDbSettings settings) throws SQLException, IOException {
        if (!Files.isDirectory(lake)) {
            throw new LakeException("the lake folder " + lake.toAbsolutePath() + " does not exist; give the folder that holds one "
                    + "folder per table with --lake");
        }
        List<Table> tables = new ArrayList<>();
        try (Connection c = DuckDb.openForLake(settings); Stream<Path> children = Files.list(lake)) {
            for (Path dir : children.sorted().toList()) {
                String name = dir.getFileName().toString();
                if (name.startsWith(".") || name.startsWith("_") || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                Optional<Table> t = table(c, dir);
                t.ifPresent(tables::add);
            }
        }
        return tables;
    }

    private static Optional<Table> table(Connection c, Path dir) throws SQLException {
        List<Path> files = new ArrayList<>();
        collect(dir, files);
        if (files.isEmpty()) {
            return Optional.empty();
        }
        List<String> reasons = new ArrayList<>();
        List<String> partitionBy = partitionColumns(dir, files.get(0));
        List<Path> sample = files.size() <= SAMPLE ? files : spread(files);
        Map<Path, List<Column>> schemas = FileSchemas.read(c, sample);
        Map<String, Column> columns = InputSchema.byName();
        schemas.values().forEach(cs -> cs.stream().filter(col -> !InputSchema.contains(partitionBy, col.name()))
                .forEach(col -> columns.putIfAbsent(col.name(), col)));
        long rows = single(c, TableSql.footerRows(files));

        List<String> sortBy = new ArrayList<>();
        Optional<Column> code = pick(columns, CODE_NAMES, col -> col.type().equals("VARCHAR"));
        if (code.isEmpty()) {
            code = columns.values().stream().filter(col -> col.type().equals("VARCHAR")
                    && col.name().toLowerCase(Locale.ROOT).endsWith("code")).findFirst();
        }
        code.ifPresent(col -> {
            sortBy.add(col.name());
            reasons.add(col.name() + " looks like an instrument's code: sorted by it first, a lookup of one code reads one small range");
        });
        Optional<Column> date = pick(columns, DATE_NAMES, col -> col.type().startsWith("DATE") || col.type().startsWith("TIMESTAMP"));
        if (date.isEmpty()) {
            date = pick(columns, DATE_NAMES, col -> true);
        }
        if (date.isEmpty()) {
            date = columns.values().stream().filter(col -> col.name().toLowerCase(Locale.ROOT).contains("date")).findFirst();
        }
        date.ifPresent(col -> {
            sortBy.add(col.name());
            reasons.add(col.name() + " (" + col.type() + ") looks like the date a row is about: rows of one code follow in date order");
        });
        if (sortBy.isEmpty()) {
            columns.values().stream().findFirst().ifPresent(col -> {
                sortBy.add(col.name());
                reasons.add("no code or date column was recognised; sorted by the first column, " + col.name() + ": change sort_by to "
                        + "the columns your queries filter on");
            });
        }
        List<String> key = new ArrayList<>();
        Optional<Long> duplicates = Optional.empty();
        if (code.isPresent() && date.isPresent()) {
            key.addAll(sortBy);
            for (String v : VERSION_NAMES) {
                if (columns.containsKey(v)) {
                    key.add(columns.get(v).name());
                }
            }
            try {
                duplicates = Optional.of(duplicateKeys(c, files, key));
            } catch (SQLException e) {
                reasons.add("the key could not be checked on the data (" + firstLine(e) + ")");
            }
        }
        return Optional.of(new Table(dir.getFileName().toString(), files.size(), rows, partitionBy, List.copyOf(columns.values()),
                sortBy, key, duplicates, reasons));
    }

    /** The table as a pipeline would declare it: the key only when it is unique in the data now. */
    public static TableSpec spec(Table t) {
        boolean keyed = t.duplicateKeys().isPresent() && t.duplicateKeys().get() == 0;
        return new TableSpec(t.name(), t.partitionBy(), t.sortBy(), keyed ? t.key() : List.of(), Map.of(), TableSpec.OnUnreadable.FAIL, null);
    }

    private static long duplicateKeys(Connection c, List<Path> files, List<String> key) throws SQLException {
        String k = TableSql.columns(key);
        return single(c, "SELECT count(*) - count(DISTINCT row(" + k + ")) FROM read_parquet(" + TableSql.fileList(files)
                + ", union_by_name = true, hive_partitioning = false)");
    }

    private static Optional<Column> pick(Map<String, Column> columns, List<String> names, java.util.function.Predicate<Column> ok) {
        for (String n : names) {
            Column col = columns.get(n);
            if (col != null && ok.test(col)) {
                return Optional.of(col);
            }
        }
        return Optional.empty();
    }

    /** The {@code col=value} folders between the table's folder and its first file. */
    private static List<String> partitionColumns(Path tableDir, Path file) {
        List<String> out = new ArrayList<>();
        for (Path part : tableDir.toAbsolutePath().relativize(file.getParent())) {
            String s = part.toString();
            int eq = s.indexOf('=');
            if (eq > 0) {
                out.add(s.substring(0, eq));
            }
        }
        return out;
    }

    /** SAMPLE files spread over the list (by name, so over the partitions), first and last included. */
    private static List<Path> spread(List<Path> files) {
        List<Path> out = new ArrayList<>();
        for (int i = 0; i < SAMPLE; i++) {
            out.add(files.get((int) ((long) i * (files.size() - 1) / (SAMPLE - 1))));
        }
        return out.stream().distinct().toList();
    }

    private static void collect(Path dir, List<Path> out) {
        try (Stream<Path> children = Files.list(dir)) {
            for (Path p : children.sorted().toList()) {
                String name = p.getFileName().toString();
                if (name.startsWith(".") || name.startsWith("_")) {
                    continue;
                }
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    collect(p, out);
                } else if (name.endsWith(".parquet") && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
                        && !LakeScanner.hasGlobCharacters(p)) {
                    out.add(p.toAbsolutePath());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    private static long single(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String firstLine(SQLException e) {
        return e.getMessage() == null ? "no reason given" : e.getMessage().strip().lines().findFirst().orElse("no reason given");
    }
}
