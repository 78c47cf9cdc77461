package io.duckdag.steps;

import io.duckdag.kind.KindBase;
import io.duckdag.kind.PlanContext;
import io.duckdag.kind.StepContext;
import io.duckdag.kind.StepDescription;
import io.duckdag.kind.StepFailedException;
import io.duckdag.kind.StepResult;
import io.duckdag.lake.Compaction;
import io.duckdag.lake.DuckDb;
import io.duckdag.lake.InputSchema;
import io.duckdag.lake.LakeFile;
import io.duckdag.lake.LakeLayout;
import io.duckdag.lake.LakeScanner;
import io.duckdag.lake.Partition;
import io.duckdag.lake.PartitionCompaction;
import io.duckdag.lake.Sql;
import io.duckdag.lake.StagedFile;
import io.duckdag.lake.TableSql;
import io.duckdag.lake.UnreadableFile;
import io.duckdag.pipeline.Binding;
import io.duckdag.pipeline.Identifiers;
import io.duckdag.pipeline.Node;
import io.duckdag.pipeline.Nodes;
import io.duckdag.pipeline.Pipeline;
import io.duckdag.pipeline.PipelineException;
import io.duckdag.pipeline.StepConfig;
import io.duckdag.pipeline.Suggestions;
import io.duckdag.pipeline.TableSpec;
import io.duckdag.state.Hashes;
import io.duckdag.state.StateJson;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Data-quality assertions on one table, as dbt's tests: {@code not_null} and {@code unique} over
 * columns, {@code accepted_range}, {@code row_count} (bounds, and the change against the previous
 * successful check of this step), {@code freshness} of a date column, and the user's own
 * {@code sql}, whose rows are failures. {@code data: staged} reads the table as this run's swap
 * would leave it (compaction's staged output, and the live files of partitions it did not
 * rewrite), so a check between verify and swap keeps a bad day from going live; {@code data: live}
 * reads what the table's view reads. Every assertion runs, and each is logged; if any fails, the
 * step fails (not retried: the data would be the same) with each failure's count and first rows.
 */
public final class CheckStep extends KindBase<CheckStep.Config> {
    private static final Set<String> WITH_KEYS = Set.of("table", "data", "not_null", "unique", "accepted_range", "row_count",
            "freshness", "sql");
    private static final List<String> ASSERTION_KEYS = List.of("not_null", "unique", "accepted_range", "row_count", "freshness", "sql");
    private static final Set<String> RANGE_KEYS = Set.of("min", "max");
    private static final Set<String> ROW_COUNT_KEYS = Set.of("min", "max", "max_change");
    private static final Set<String> FRESHNESS_KEYS = Set.of("column", "max_days", "as_of");
    private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
    /** Failing rows shown per assertion. */
    static final int SAMPLE = 5;
    /** Row counts of earlier successful checks kept per step. */
    private static final int COUNTS_KEPT = 20;
    /** The column the unique query counts each value's rows into: a name no table column takes. */
    private static final String DUPLICATES = "__duckdag_rows";

    /** Which rows the assertions read. */
    public enum Data {
        /** The table as this run's swap would leave it: compaction's staged files, and the live files of the partitions it did not rewrite. */
        STAGED,
        /** The live files, as the table's view reads them. */
        LIVE;

        public String yamlName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** One assertion, named as messages name it ({@code not_null(ts_code)}). */
    public sealed interface Assertion permits NotNull, Unique, AcceptedRange, RowCount, Freshness, Custom {
        String label();

        /** What it asserts, for the plan: "ts_code is never NULL". */
        String phrase();

        /** The columns it names, which the table must have. */
        default List<String> columns() {
            return List.of();
        }
    }

    public record NotNull(String column) implements Assertion {
        @Override
        public String label() {
            return "not_null(" + column + ")";
        }

        @Override
        public String phrase() {
            return column + " is never NULL";
        }

        @Override
        public List<String> columns() {
            return List.of(column);
        }
    }

    public record Unique(List<String> columns) implements Assertion {
        public Unique {
            columns = List.copyOf(columns);
        }

        @Override
        public String label() {
            return "unique(" + String.join(", ", columns) + ")";
        }

        @Override
        public String phrase() {
            return (columns.size() == 1 ? columns.get(0) + " is" : "(" + String.join(", ", columns) + ") are") + " unique";
        }
    }

    /** Bounds are inclusive; NULL is in range (not_null is the assertion for that). */
    public record AcceptedRange(String column, Optional<BigDecimal> min, Optional<BigDecimal> max) implements Assertion {
        @Override
        public String label() {
            return "accepted_range(" + column + ")";
        }

        @Override
        public String phrase() {
            return bounds();
        }

        @Override
        public List<String> columns() {
            return List.of(column);
        }

        String bounds() {
            return min.map(m -> column + " >= " + m.toPlainString()).orElse("")
                    + (min.isPresent() && max.isPresent() ? " and " : "") + max.map(m -> column + " <= " + m.toPlainString()).orElse("");
        }
    }

    /** {@code maxChange}: the factor the count may grow or shrink by since the previous successful check of this step. */
    public record RowCount(Optional<Long> min, Optional<Long> max, Optional<BigDecimal> maxChange) implements Assertion {
        @Override
        public String label() {
            return "row_count";
        }

        @Override
        public String phrase() {
            return "row count" + min.map(m -> " >= " + m).orElse("") + max.map(m -> " <= " + m).orElse("")
                    + maxChange.map(f -> " within a factor " + f.toPlainString() + " of the previous check").orElse("");
        }
    }

    /** The latest value of {@code column}, read as a date, is at most {@code maxDays} before {@code asOf}. */
    public record Freshness(String column, int maxDays, LocalDate asOf) implements Assertion {
        @Override
        public String label() {
            return "freshness(" + column + ")";
        }

        @Override
        public String phrase() {
            return "latest " + column + " at most " + maxDays + " days before " + asOf;
        }

        @Override
        public List<String> columns() {
            return List.of(column);
        }
    }

    /** The user's query: every row it returns is a failure. {@code name} is {@code sql}, or {@code sql[2]} in a list. */
    public record Custom(String name, String sql) implements Assertion {
        @Override
        public String label() {
            return name;
        }

        @Override
        public String phrase() {
            return name + " returns no rows";
        }
    }

    public record Config(String table, Data data, List<Assertion> assertions) implements StepConfig {
        public Config {
            assertions = List.copyOf(assertions);
        }

        Optional<RowCount> rowCount() {
            return assertions.stream().filter(RowCount.class::isInstance).map(RowCount.class::cast).findFirst();
        }
    }

    /** The row counts of this step's earlier successful checks, oldest first, in {@code <state_dir>/<pipeline>/checks/<step>.json}. */
    public record RowCounts(List<Counted> runs) {
        public RowCounts {
            runs = runs == null ? List.of() : List.copyOf(runs);
        }

        public record Counted(String runId, long rows) {
        }

        /** The latest count of a run other than {@code runId}: a resumed run compares with the run before it, not with itself. */
        Optional<Counted> before(String runId) {
            for (int i = runs.size() - 1; i >= 0; i--) {
                if (!runs.get(i).runId().equals(runId)) {
                    return Optional.of(runs.get(i));
                }
            }
            return Optional.empty();
        }

        RowCounts with(Counted counted) {
            List<Counted> next = new ArrayList<>(runs);
            next.removeIf(c -> c.runId().equals(counted.runId()));
            next.add(counted);
            return new RowCounts(next.subList(Math.max(0, next.size() - COUNTS_KEPT), next.size()));
        }
    }

    public CheckStep() {
        super("check", Config.class, Role.READS_LAKE, WITH_KEYS);
    }

    // ---------------------------------------------------------------- binding

    @Override
    public Config bind(Node.Mapping with, Binding binding) {
        Nodes.allowOnly(with, WITH_KEYS, binding.where());
        String table = binding.oneTable(with);
        Node dataNode = with.get("data").orElseThrow(() -> new PipelineException(with.location(), binding.where()
                + " needs 'data:': staged (this run's compacted output, before swap) or live (the live files, as the view reads them)"));
        String dataText = Nodes.text(dataNode, "data");
        Data data = switch (dataText) {
            case "staged" -> Data.STAGED;
            case "live" -> Data.LIVE;
            default -> throw new PipelineException(dataNode.location(), "data must be staged or live, but is '" + dataText + "'"
                    + Suggestions.hint(dataText, List.of("staged", "live")));
        };
        List<Assertion> assertions = new ArrayList<>();
        for (Node.Entry e : with.entries()) {
            switch (e.key()) {
                case "not_null" -> Nodes.columnNames(e.value(), "not_null", false).forEach(c -> assertions.add(new NotNull(c)));
                case "unique" -> assertions.addAll(unique(e.value()));
                case "accepted_range" -> assertions.addAll(ranges(e.value()));
                case "row_count" -> assertions.add(rowCount(e.value()));
                case "freshness" -> assertions.add(freshness(e.value(), binding));
                case "sql" -> assertions.addAll(custom(e.value()));
                default -> {
                    // table, data
                }
            }
        }
        if (assertions.isEmpty()) {
            throw new PipelineException(with.location(), "a check step needs at least one assertion under its with: "
                    + String.join(", ", ASSERTION_KEYS));
        }
        return new Config(table, data, assertions);
    }

    private static List<Unique> unique(Node node) {
        List<Node> items = node instanceof Node.Sequence seq ? seq.items() : List.of(node);
        if (items.isEmpty()) {
            throw new PipelineException(node.location(), "unique must list columns or lists of columns, but is empty");
        }
        List<Unique> out = new ArrayList<>();
        for (Node item : items) {
            if (item instanceof Node.Mapping) {
                throw new PipelineException(item.location(), "each entry of unique must be a column or a list of columns "
                        + "([ts_code, trade_date] for the pair), but is a mapping");
            }
            List<String> columns = Nodes.columnNames(item, "each entry of unique", false);
            if (columns.isEmpty()) {
                throw new PipelineException(item.location(), "each entry of unique must name at least one column");
            }
            out.add(new Unique(columns));
        }
        return out;
    }

    private static List<AcceptedRange> ranges(Node node) {
        Node.Mapping columns = Nodes.mapping(node, "accepted_range");
        if (columns.entries().isEmpty()) {
            throw new PipelineException(node.location(), "accepted_range must name at least one column, as { close: { min: 0 } }");
        }
        List<AcceptedRange> out = new ArrayList<>();
        for (Node.Entry e : columns.entries()) {
            String column = Identifiers.requireColumn(e.key(), "a column of accepted_range", false, e.keyLocation());
            String what = "accepted_range of " + column;
            Node.Mapping bounds = Nodes.mapping(e.value(), what);
            Nodes.allowOnly(bounds, RANGE_KEYS, what);
            Optional<BigDecimal> min = bounds.get("min").map(n -> number(n, "min of " + column));
            Optional<BigDecimal> max = bounds.get("max").map(n -> number(n, "max of " + column));
            if (min.isEmpty() && max.isEmpty()) {
                throw new PipelineException(e.value().location(), what + " needs min:, max: or both");
            }
            if (min.isPresent() && max.isPresent() && min.get().compareTo(max.get()) > 0) {
                throw new PipelineException(bounds.get("max").get().location(), "max of " + column + " (" + max.get().toPlainString()
                        + ") is below its min (" + min.get().toPlainString() + "); no value could pass");
            }
            out.add(new AcceptedRange(column, min, max));
        }
        return out;
    }

    private static RowCount rowCount(Node node) {
        Node.Mapping m = Nodes.mapping(node, "row_count");
        Nodes.allowOnly(m, ROW_COUNT_KEYS, "row_count");
        Optional<Long> min = m.get("min").map(n -> count(n, "min of row_count"));
        Optional<Long> max = m.get("max").map(n -> count(n, "max of row_count"));
        Optional<BigDecimal> change = m.get("max_change").map(n -> {
            BigDecimal factor = number(n, "max_change of row_count");
            if (factor.compareTo(BigDecimal.ONE) < 0) {
                throw new PipelineException(n.location(), "max_change of row_count is a factor of at least 1 (2 allows half to twice "
                        + "the previous count), but is " + factor.toPlainString());
            }
            return factor;
        });
        if (min.isEmpty() && max.isEmpty() && change.isEmpty()) {
            throw new PipelineException(node.location(), "row_count needs min:, max: or max_change:");
        }
        if (min.isPresent() && max.isPresent() && min.get() > max.get()) {
            throw new PipelineException(m.get("max").get().location(), "max of row_count (" + max.get() + ") is below its min (" + min.get() + ")");
        }
        return new RowCount(min, max, change);
    }

    private static Freshness freshness(Node node, Binding binding) {
        Node.Mapping m = Nodes.mapping(node, "freshness");
        Nodes.allowOnly(m, FRESHNESS_KEYS, "freshness");
        Node columnNode = Nodes.required(m, "column", "freshness");
        String column = Identifiers.requireColumn(Nodes.text(columnNode, "column of freshness"), "column of freshness", false, columnNode.location());
        int maxDays = Nodes.integer(Nodes.required(m, "max_days", "freshness"), "max_days of freshness", 0);
        LocalDate asOf = date(binding.runDate(), null);
        Optional<Node> asOfNode = m.get("as_of");
        if (asOfNode.isPresent()) {
            asOf = date(Nodes.text(asOfNode.get(), "as_of of freshness"), asOfNode.get());
        }
        return new Freshness(column, maxDays, asOf);
    }

    private static List<Custom> custom(Node node) {
        List<Node> items = node instanceof Node.Sequence seq ? seq.items() : List.of(node);
        if (items.isEmpty()) {
            throw new PipelineException(node.location(), "sql must be a query, or a list of queries, whose rows are failures; it is empty");
        }
        List<Custom> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String sql = Nodes.text(items.get(i), items.size() > 1 ? "each entry of sql" : "sql").strip();
            while (sql.endsWith(";")) {
                sql = sql.substring(0, sql.length() - 1).strip();
            }
            if (sql.isEmpty()) {
                throw new PipelineException(items.get(i).location(), "sql must be a query whose rows are failures, "
                        + "as SELECT * FROM {table} WHERE close < 0; it is empty");
            }
            out.add(new Custom(node instanceof Node.Sequence ? "sql[" + (i + 1) + "]" : "sql", sql));
        }
        return out;
    }

    private static BigDecimal number(Node node, String what) {
        if (node instanceof Node.Scalar s && (s.kind() == Node.Scalar.Kind.INTEGER || s.kind() == Node.Scalar.Kind.FLOAT
                || s.kind() == Node.Scalar.Kind.STRING)) {
            try {
                return new BigDecimal(s.kind() == Node.Scalar.Kind.STRING ? s.text().strip() : s.text().strip().replace("_", ""));
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw new PipelineException(node.location(), what + " must be a number, but is " + node.describe());
    }

    private static long count(Node node, String what) {
        long n = Nodes.longValue(node, what);
        if (n < 0) {
            throw new PipelineException(node.location(), what + " must be a whole number of at least 0, but is " + node.describe());
        }
        return n;
    }

    /** A date written YYYY-MM-DD; {@code node} null for the run's date, which is always one. */
    private static LocalDate date(String text, Node node) {
        try {
            if (DATE.matcher(text).matches()) {
                return LocalDate.parse(text);
            }
        } catch (DateTimeParseException e) {
            // reported below
        }
        throw new PipelineException(node.location(), "as_of of freshness must be a date written YYYY-MM-DD, but is '" + text + "'");
    }

    // ---------------------------------------------------------------- plan

    @Override
    public StepDescription describe(Config c, PlanContext context) {
        Path live = context.layout().liveTable(c.table());
        List<Path> reads = c.data() == Data.STAGED ? List.of(context.layout().stagedTable(context.runId(), c.table()), live) : List.of(live);
        String what = c.data() == Data.STAGED ? c.table() + " as this run's swap would leave it (staged output, else live files)"
                : "the live files of " + c.table() + " (as its view reads them)";
        List<Path> writes = c.rowCount().flatMap(RowCount::maxChange).isPresent()
                ? List.of(countsFile(context.pipelineStateDir(), context.stepId())) : List.of();
        return new StepDescription("check " + what + ": " + c.assertions().stream().map(Assertion::phrase).collect(Collectors.joining("; ")),
                reads, writes);
    }


    @Override
    public void fingerprint(Config config, Pipeline pipeline, Map<String, Object> into) {
        LakeLook.tableFingerprint(config.table(), pipeline, into);
    }

    // ---------------------------------------------------------------- execution

    /** What one assertion found: {@code failure} empty when it passed; {@code sample} its first failing rows. */
    private record Outcome(Assertion assertion, Optional<String> failure, String passed, List<String> sample) {
        static Outcome ok(Assertion a, String text) {
            return new Outcome(a, Optional.empty(), text, List.of());
        }

        static Outcome failed(Assertion a, String text, List<String> sample) {
            return new Outcome(a, Optional.of(text), null, sample);
        }
    }

    @Override
    public StepResult execute(Config config, StepContext ctx) throws Exception {
        TableSpec table = ctx.pipeline().table(config.table()).orElseThrow();
        LakeLayout layout = LakeLayout.of(ctx.pipeline());
        List<Path> files = config.data() == Data.STAGED ? stagedFiles(table, layout, ctx) : liveFiles(table, layout);
        String where = config.data() == Data.STAGED ? table.name() + " as staged by run " + ctx.runId() : "live " + table.name();
        if (files.isEmpty()) {
            throw new StepFailedException("there are no Parquet files of " + where + " to check (under " + layout.liveTable(table.name())
                    + (config.data() == Data.STAGED ? " and " + layout.stagedTable(ctx.runId(), table.name()) : "")
                    + "); load the table first, or run the check after the step that fills it", List.of(), false);
        }
        for (Path f : files) {
            if (LakeScanner.hasGlobCharacters(f)) {
                throw new StepFailedException("cannot check " + where + ": the path " + f + " holds a glob character (* ? [ ] { }), "
                        + "which DuckDB would read as a pattern; rename it", List.of(), false);
            }
        }
        ctx.log().println("checking " + where + ": " + files.size() + " files, " + config.assertions().size() + " assertions");
        String relation = Sql.identifier(table.name());
        List<Outcome> outcomes = new ArrayList<>();
        long rows;
        try (Connection connection = DuckDb.openForLake(ctx.pipeline().settings().duckdb())) {
            Queries s = new Queries(connection);
            try (AutoCloseable stop = ctx.cancellation().onCancel(s::cancel)) {
                List<String> present;
                Map<String, String> types = new LinkedHashMap<>();
                try {
                    String read = "read_parquet(" + TableSql.fileList(files) + ", hive_partitioning = true, union_by_name = true)";
                    present = columns(s, "SELECT * FROM " + read, types);
                    s.execute("CREATE TEMP VIEW " + relation + " AS SELECT *" + casts(table, present) + " FROM " + read);
                    types.clear();
                    columns(s, "SELECT * FROM " + relation, types);
                    rows = single(s, "SELECT count(*) FROM " + relation);
                } catch (SQLException e) {
                    ctx.cancellation().throwIfCancelled();
                    throw new StepFailedException("DuckDB could not read the " + files.size() + " files of " + where + ": " + firstLine(e)
                            + "; no assertion was evaluated: fix or move the file it names, then resume the run");
                }
                ctx.log().println(rows + " rows; columns: " + String.join(", ", present));
                int n = 0;
                for (Assertion a : config.assertions()) {
                    ctx.cancellation().throwIfCancelled();
                    ctx.progress().accept("assertion " + (++n) + " of " + config.assertions().size() + ": " + a.label());
                    Outcome o;
                    try {
                        o = evaluate(a, s, relation, types, rows, ctx);
                    } catch (SQLException e) {
                        ctx.cancellation().throwIfCancelled();
                        o = Outcome.failed(a, "DuckDB could not evaluate it: " + firstLine(e), List.of());
                    }
                    log(ctx, o);
                    outcomes.add(o);
                }
            }
        }
        List<Outcome> failed = outcomes.stream().filter(o -> o.failure().isPresent()).toList();
        if (!failed.isEmpty()) {
            throw new StepFailedException(failed.size() + " of " + outcomes.size() + " assertions failed on " + where + ": "
                    + failed.stream().map(o -> o.assertion().label() + ": " + o.failure().get()).collect(Collectors.joining("; "))
                    + ". " + nextStep(config.data()), tail(failed), false);
        }
        if (config.rowCount().flatMap(RowCount::maxChange).isPresent()) {
            Path file = countsFile(ctx.pipelineStateDir(), ctx.step().id());
            RowCounts counts = StateJson.read(file, RowCounts.class).orElse(new RowCounts(List.of()));
            StateJson.write(file, counts.with(new RowCounts.Counted(ctx.runId(), rows)));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("assertions", outcomes.size());
        m.put("failed", 0);
        m.put("rows", rows);
        return StepResult.of(m);
    }

    private static String nextStep(Data data) {
        return data == Data.STAGED
                ? "The steps that depend on this check (swap) do not run, so none of it goes live. If the data is right, correct the "
                + "assertion and resume the run; otherwise correct the files in the lake and start a new run (a resume would check "
                + "the same staged data). Not retried: the data would be the same"
                : "If the data is right, correct the assertion and resume the run; otherwise correct the files in the lake and resume. "
                + "Not retried: the data would be the same";
    }

    /** Each failing assertion's first rows, one line each, for the console and status to show under the failure. */
    private static List<String> tail(List<Outcome> failed) {
        List<String> lines = new ArrayList<>();
        for (Outcome o : failed) {
            o.sample().forEach(row -> lines.add(OutputTail.clean(o.assertion().label() + ": " + row)));
        }
        return lines;
    }

    private static void log(StepContext ctx, Outcome o) {
        if (o.failure().isEmpty()) {
            ctx.log().println("ok      " + o.assertion().label() + ": " + o.passed());
            return;
        }
        ctx.log().println("FAILED  " + o.assertion().label() + ": " + o.failure().get());
        o.sample().forEach(row -> ctx.log().println("          " + row));
    }

    private Outcome evaluate(Assertion a, Queries s, String relation, Map<String, String> types, long rows, StepContext ctx)
            throws SQLException {
        Optional<String> missing = missingColumn(a, types);
        if (missing.isPresent()) {
            return Outcome.failed(a, missing.get(), List.of());
        }
        // Assertion is sealed: these are all its cases (Java 17 has no switch over types).
        if (a instanceof NotNull n) {
            return rowsWhere(a, s, "SELECT * FROM " + relation + " WHERE " + Sql.identifier(n.column()) + " IS NULL",
                    " where " + n.column() + " is NULL");
        } else if (a instanceof AcceptedRange r) {
            return range(r, s, relation, types);
        } else if (a instanceof Unique u) {
            return unique(u, s, relation);
        } else if (a instanceof RowCount r) {
            return rowCount(r, rows, ctx);
        } else if (a instanceof Freshness f) {
            return freshness(f, s, relation);
        }
        Custom q = (Custom) a;
        return rowsWhere(a, s, q.sql().replace("{table}", relation), " returned");
    }

    /** The failures are the rows of {@code query}: their count, and the first few in a stable order. */
    private static Outcome rowsWhere(Assertion a, Queries s, String query, String what) throws SQLException {
        long count = single(s, "SELECT count(*) FROM (" + query + ")");
        if (count == 0) {
            return Outcome.ok(a, "no rows" + what);
        }
        return Outcome.failed(a, count + (count == 1 ? " row" : " rows") + what, sample(s, "SELECT * FROM (" + query + ") ORDER BY ALL LIMIT " + SAMPLE, false));
    }

    private static Outcome range(AcceptedRange r, Queries s, String relation, Map<String, String> types) throws SQLException {
        String type = typeOf(types, r.column());
        if (!numeric(type)) {
            return Outcome.failed(r, r.column() + " is " + type + ", not a number; accepted_range compares numbers", List.of());
        }
        String column = Sql.identifier(r.column());
        List<String> outside = new ArrayList<>();
        r.min().ifPresent(m -> outside.add(column + " < " + m.toPlainString()));
        r.max().ifPresent(m -> outside.add(column + " > " + m.toPlainString()));
        return rowsWhere(r, s, "SELECT * FROM " + relation + " WHERE " + String.join(" OR ", outside), " outside " + r.bounds());
    }

    private static Outcome unique(Unique u, Queries s, String relation) throws SQLException {
        String columns = u.columns().stream().map(Sql::identifier).collect(Collectors.joining(", "));
        String groups = "SELECT " + columns + ", count(*) AS " + Sql.identifier(DUPLICATES) + " FROM " + relation
                + " GROUP BY ALL HAVING count(*) > 1";
        long[] counts = pair(s, "SELECT count(*), coalesce(sum(" + Sql.identifier(DUPLICATES) + "), 0) FROM (" + groups + ")");
        String what = u.columns().size() == 1 ? u.columns().get(0) : "(" + String.join(", ", u.columns()) + ")";
        if (counts[0] == 0) {
            return Outcome.ok(u, "no value of " + what + " occurs twice");
        }
        return Outcome.failed(u, counts[0] + (counts[0] == 1 ? " value" : " values") + " of " + what + (counts[0] == 1 ? " occurs" : " occur")
                + " more than once ("
                + counts[1] + " rows)", sample(s, groups + " ORDER BY " + Sql.identifier(DUPLICATES) + " DESC, " + columns + " LIMIT " + SAMPLE, true));
    }

    private static Outcome rowCount(RowCount r, long rows, StepContext ctx) {
        List<String> wrong = new ArrayList<>();
        r.min().filter(m -> rows < m).ifPresent(m -> wrong.add("fewer than the minimum " + m));
        r.max().filter(m -> rows > m).ifPresent(m -> wrong.add("more than the maximum " + m));
        String change = "";
        if (r.maxChange().isPresent()) {
            Path file = countsFile(ctx.pipelineStateDir(), ctx.step().id());
            Optional<RowCounts.Counted> before = StateJson.read(file, RowCounts.class).flatMap(c -> c.before(ctx.runId()));
            if (before.isEmpty() || before.get().rows() == 0) {
                change = before.isEmpty() ? "; no earlier successful check of this step to compare with" : "; the previous check counted 0 rows: no change to compare";
            } else {
                long previous = before.get().rows();
                BigDecimal factor = r.maxChange().get();
                String was = " the " + previous + " rows of run " + before.get().runId();
                boolean grew = BigDecimal.valueOf(rows).compareTo(factor.multiply(BigDecimal.valueOf(previous))) > 0;
                boolean shrank = BigDecimal.valueOf(rows).multiply(factor).compareTo(BigDecimal.valueOf(previous)) < 0;
                if (grew || shrank) {
                    wrong.add((grew ? "more than " : "less than 1/") + factor.toPlainString() + " times" + was
                            + " (max_change " + factor.toPlainString() + "; if the change is right, delete " + file + " and resume)");
                } else {
                    change = "; within a factor " + factor.toPlainString() + " of" + was;
                }
            }
        }
        if (!wrong.isEmpty()) {
            return Outcome.failed(r, rows + " rows, " + String.join(", and ", wrong), List.of());
        }
        return Outcome.ok(r, rows + " rows" + r.min().map(m -> ", at least " + m).orElse("") + r.max().map(m -> ", at most " + m).orElse("") + change);
    }

    private static Outcome freshness(Freshness f, Queries s, String relation) throws SQLException {
        String column = Sql.identifier(f.column());
        // DATE, TIMESTAMP and text such as 2024-06-30 cast; text or numbers such as 20240630 (as vendors send dates) parse.
        String asDate = "coalesce(TRY_CAST(" + column + " AS DATE), TRY_CAST(try_strptime(CAST(" + column + " AS VARCHAR), '%Y%m%d') AS DATE))";
        LocalDate latest = null;
        long unreadable;
        Object[] found = s.query("SELECT max(" + asDate + ")::VARCHAR, count(*) FILTER (WHERE " + column + " IS NOT NULL AND " + asDate
                + " IS NULL) FROM " + relation, rs -> {
                    rs.next();
                    return new Object[] {rs.getString(1), rs.getLong(2)};
                });
        if (found[0] != null) {
            latest = LocalDate.parse((String) found[0]);
        }
        unreadable = (Long) found[1];
        String notDates = unreadable == 0 ? "" : " (" + unreadable + " values that do not read as dates left out)";
        if (latest == null) {
            return Outcome.failed(f, "no value of " + f.column() + " reads as a date (YYYY-MM-DD, YYYYMMDD, a DATE or a TIMESTAMP)" + notDates, List.of());
        }
        long days = ChronoUnit.DAYS.between(latest, f.asOf());
        String age = days >= 0 ? days + (days == 1 ? " day" : " days") + " before " + f.asOf() : -days + " days after " + f.asOf();
        String text = "the latest " + f.column() + " is " + latest + ", " + age;
        if (days > f.maxDays()) {
            return Outcome.failed(f, text + " (at most " + f.maxDays() + " allowed)" + notDates, List.of());
        }
        return Outcome.ok(f, text + " (at most " + f.maxDays() + ")" + notDates);
    }

    /** A column an assertion names that the table does not have, said with the table's columns. */
    private static Optional<String> missingColumn(Assertion a, Map<String, String> types) {
        List<String> named = a.columns();
        List<String> present = List.copyOf(types.keySet());
        for (String c : named) {
            if (!InputSchema.contains(present, c)) {
                return Optional.of("column " + c + " is in none of the files" + Suggestions.hint(c, present)
                        + " (columns: " + String.join(", ", present) + ")");
            }
        }
        return Optional.empty();
    }

    private static String typeOf(Map<String, String> types, String column) {
        return types.entrySet().stream().filter(e -> InputSchema.fold(e.getKey()).equals(InputSchema.fold(column)))
                .map(Map.Entry::getValue).findFirst().orElse("?");
    }

    private static boolean numeric(String type) {
        return type.matches("(U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT))|FLOAT|DOUBLE|DECIMAL\\(\\d+,\\d+\\)");
    }

    /** The declared types of the table's columns that the files have, cast as its view casts them. */
    private static String casts(TableSpec table, List<String> present) {
        String replace = table.columns().entrySet().stream().filter(c -> InputSchema.contains(present, c.getKey()))
                .map(c -> "CAST(" + Sql.identifier(c.getKey()) + " AS " + c.getValue() + ") AS " + Sql.identifier(c.getKey()))
                .collect(Collectors.joining(", "));
        return replace.isEmpty() ? "" : " REPLACE (" + replace + ")";
    }

    // ---------------------------------------------------------------- which files

    /** Every live file of the table's partitions, as its view reads them (never a hidden file, never one outside a partition). */
    private static List<Path> liveFiles(TableSpec table, LakeLayout layout) {
        Path root = layout.liveTable(table.name());
        List<Path> out = new ArrayList<>();
        LakeScanner.scan(root, table).forEach((p, files) -> files.forEach(f -> out.add(p.dirIn(root).resolve(f.name()).toAbsolutePath().normalize())));
        return out;
    }

    /**
     * The table as this run's swap leaves it: per partition, the live files less those compaction
     * read (or left out as unreadable), plus what it staged. Once swap has run, the staged files
     * are live and the inputs gone, and the same rule gives the same files.
     */
    private static List<Path> stagedFiles(TableSpec table, LakeLayout layout, StepContext ctx) {
        Compaction compaction = Compaction.load(ctx.runDir(), table.name()).filter(Compaction::finished).orElseThrow(() ->
                new StepFailedException("data: staged checks what this run's compaction of " + table.name() + " staged, but run "
                        + ctx.runId() + " has no finished compaction of it; make the check depend on compact[" + table.name()
                        + "] (or its verify), or check the live data with data: live", List.of(), false));
        Path live = layout.liveTable(table.name());
        Path staged = layout.stagedTable(ctx.runId(), table.name());
        Map<String, List<Path>> byPartition = new TreeMap<>();
        LakeScanner.scan(live, table).forEach((p, files) -> byPartition.put(p.path(),
                new ArrayList<>(files.stream().map(f -> p.dirIn(live).resolve(f.name())).toList())));
        for (PartitionCompaction pc : compaction.partitions()) {
            Partition p = pc.asPartition();
            List<Path> files = byPartition.computeIfAbsent(pc.partition(), k -> new ArrayList<>());
            for (LakeFile input : pc.inputs()) {
                files.remove(p.dirIn(live).resolve(input.name()));
            }
            for (UnreadableFile q : pc.quarantined()) {
                files.remove(p.dirIn(live).resolve(q.file().name()));
            }
            for (StagedFile out : pc.outputs()) {
                Path file = p.dirIn(staged).resolve(out.name());
                Path swapped = p.dirIn(live).resolve(out.name());
                if (Files.isRegularFile(file)) {
                    files.add(file);
                } else if (!files.contains(swapped)) {
                    throw new StepFailedException("the staged file " + file + " of " + table.name() + " is gone, and is not live "
                            + "either; start a new run, which compacts the partition " + p.label() + " again", List.of(), false);
                }
            }
        }
        return byPartition.values().stream().flatMap(List::stream).map(f -> f.toAbsolutePath().normalize()).toList();
    }

    static Path countsFile(Path pipelineStateDir, String stepId) {
        String name = stepId.matches("[A-Za-z0-9_-]+") ? stepId
                : stepId.replaceAll("[^A-Za-z0-9_-]", "_") + "-" + Hashes.sha256(stepId).substring(0, 8);
        return pipelineStateDir.resolve("checks").resolve(name + ".json");
    }

    // ---------------------------------------------------------------- JDBC helpers

    /** The relation's columns in order, with their types into {@code types}. */
    private static List<String> columns(Queries s, String select, Map<String, String> types) throws SQLException {
        return s.query("SELECT column_name, column_type FROM (DESCRIBE " + select + ")", rs -> {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
                types.put(rs.getString(1), rs.getString(2));
            }
            return out;
        });
    }

    private static long single(Queries s, String sql) throws SQLException {
        return s.query(sql, rs -> {
            rs.next();
            return rs.getLong(1);
        });
    }

    private static long[] pair(Queries s, String sql) throws SQLException {
        return s.query(sql, rs -> {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        });
    }

    /**
     * Rows as {@code {name: value, ...}}, text quoted, NULL as NULL; with {@code counted}, the last
     * column is a row count, shown as {@code x N}.
     */
    private static List<String> sample(Queries s, String sql, boolean counted) throws SQLException {
        return s.query(sql, rs -> {
            List<String> out = new ArrayList<>();
            ResultSetMetaData meta = rs.getMetaData();
            int columns = meta.getColumnCount() - (counted ? 1 : 0);
            while (rs.next()) {
                StringBuilder row = new StringBuilder("{");
                for (int i = 1; i <= columns; i++) {
                    Object v = rs.getObject(i);
                    row.append(i > 1 ? ", " : "").append(meta.getColumnName(i)).append(": ")
                            .append(v == null ? "NULL" : v instanceof String text ? Sql.literal(text) : rs.getString(i));
                }
                row.append("}");
                if (counted) {
                    row.append(" x ").append(rs.getLong(columns + 1));
                }
                out.add(row.toString());
            }
            return out;
        });
    }

    /**
     * The check's connection, with a new statement per query: DuckDB's driver closes a statement
     * whose query failed, and the next assertion must still run. The running one can be cancelled.
     */
    private static final class Queries {
        private final Connection connection;
        private final AtomicReference<Statement> running = new AtomicReference<>();

        Queries(Connection connection) {
            this.connection = connection;
        }

        interface Reader<T> {
            T read(ResultSet rs) throws SQLException;
        }

        <T> T query(String sql, Reader<T> reader) throws SQLException {
            try (Statement st = connection.createStatement()) {
                running.set(st);
                try (ResultSet rs = st.executeQuery(sql)) {
                    return reader.read(rs);
                } finally {
                    running.set(null);
                }
            }
        }

        void execute(String sql) throws SQLException {
            try (Statement st = connection.createStatement()) {
                running.set(st);
                try {
                    st.execute(sql);
                } finally {
                    running.set(null);
                }
            }
        }

        void cancel() {
            Statement st = running.get();
            if (st != null) {
                try {
                    st.cancel();
                } catch (SQLException e) {
                    // the query ended on its own
                }
            }
        }
    }

    private static String firstLine(SQLException e) {
        return e.getMessage() == null ? "no reason given" : e.getMessage().strip().lines().findFirst().orElse("no reason given");
    }
}
