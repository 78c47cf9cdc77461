import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * duckdag's benchmark harness (bench/run.sh starts it; docs/BENCHMARKS.md has the readings).
 * It generates a lake from a fixed seed, then times each contender as a cold process on a fresh
 * copy of that lake (hard links: neither contender rewrites a file in place), with the same
 * DuckDB, threads and memory limit: the conversation's one-statement script (Script.java),
 * duckdag's full run, the nightly case, a run with nothing to do, peak memory on a table several
 * times the memory limit, the share of output files in sort order, queries on the views, and
 * the engine's own overhead on a chain of trivial steps. Every figure is a median over the
 * repetitions with its min and max; ratios are taken pair by pair, A and B run in turn.
 */
public final class Bench {
    record Lake(String name, int tables, long rows, int years, int filesPerTable) {
    }

    private final Path jar;
    private final Path classes;
    private final Path work;
    private final String memory;
    private final int threads;
    private final int reps;
    private boolean keep;
    private java.util.Set<String> sections = java.util.Set.of("full", "nightly", "queries", "rss", "engine");
    private final StringBuilder report = new StringBuilder();

    Bench(Path jar, Path classes, Path work, String memory, int threads, int reps) {
        this.jar = jar;
        this.classes = classes;
        this.work = work;
        this.memory = memory;
        this.threads = threads;
        this.reps = reps;
    }

    public static void main(String[] args) throws Exception {
        // The packaged jar keeps DuckDB's library out of the driver's sight; duckdag puts it beside the jar.
        io.duckdag.lake.DuckDbLibrary.prepare();
        Map<String, String> o = options(args);
        String preset = o.getOrDefault("lake", "A");
        Lake lake = switch (preset) {
            case "A" -> new Lake("A", 2, 3_000_000, 10, 8_000);
            case "B" -> new Lake("B", 2, 6_000_000, 30, 3_000);
            case "tiny" -> new Lake("tiny", 2, 20_000, 3, 30);
            default -> throw new IllegalArgumentException("--lake must be A, B or tiny");
        };
        lake = new Lake(lake.name(), Integer.parseInt(o.getOrDefault("tables", "" + lake.tables())),
                Long.parseLong(o.getOrDefault("rows", "" + lake.rows())), Integer.parseInt(o.getOrDefault("years", "" + lake.years())),
                Integer.parseInt(o.getOrDefault("files", "" + lake.filesPerTable())));
        boolean tiny = preset.equals("tiny");
        Bench b = new Bench(Path.of(o.get("jar")).toAbsolutePath(), Path.of(o.get("classes")).toAbsolutePath(),
                Path.of(o.getOrDefault("work", "target/bench")).toAbsolutePath(), o.getOrDefault("memory", "1GB"),
                Integer.parseInt(o.getOrDefault("threads", "2")), Integer.parseInt(o.getOrDefault("reps", tiny ? "1" : "3")));
        b.keep = o.containsKey("keep");
        if (o.containsKey("sections")) {
            b.sections = java.util.Set.of(o.get("sections").split(","));
        }
        b.run(lake, Integer.parseInt(o.getOrDefault("chain", tiny ? "50" : "1000")),
                o.getOrDefault("rss-memory", tiny ? "256MB" : "512MB"), Long.parseLong(o.getOrDefault("rss-rows", tiny ? "200000" : "40000000")),
                !o.containsKey("skip-rss") && b.sections.contains("rss"));
        System.out.print(b.report);
        Files.writeString(b.work.resolve("results-" + lake.name() + ".md"), b.report.toString());
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + args[i]);
            }
            String key = args[i].substring(2);
            if (key.equals("skip-rss") || key.equals("keep")) {
                o.put(key, "true");
            } else {
                o.put(key, args[++i]);
            }
        }
        return o;
    }

    void run(Lake lake, int chain, String rssMemory, long rssRows, boolean rss) throws Exception {
        delete(work);
        Files.createDirectories(work);
        line("# duckdag benchmark: lake " + lake.name());
        line("");
        line("Machine: " + Runtime.getRuntime().availableProcessors() + " cores, " + machineMemory() + ", Java "
                + System.getProperty("java.version") + ", DuckDB " + duckdbVersion() + "; threads " + threads + ", memory_limit "
                + memory + "; " + reps + " repetitions, median (min-max).");
        Path base = work.resolve("base");
        long t0 = System.nanoTime();
        List<String> tables = generate(base, lake);
        line("Lake " + lake.name() + ": " + lake.tables() + " tables x " + lake.rows() + " rows, " + lake.years() + " year partitions, "
                + lake.filesPerTable() + " files per table (" + mb(size(base)) + " MB), generated in " + secs(System.nanoTime() - t0) + " s.");
        line("");

        // Full rewrite: the script against duckdag from a cold process, in turn.
        List<Double> script = new ArrayList<>();
        List<Double> full = new ArrayList<>();
        List<Double> fullRss = new ArrayList<>();
        List<Double> scriptRss = new ArrayList<>();
        Path lastDuckdag = null;
        Path lastScript = null;
        for (int r = 0; r < reps; r++) {
            Path s = copy(base, work.resolve("script-" + r));
            Timed ts = time(scriptCommand(s, tables));
            script.add(ts.seconds());
            scriptRss.add(ts.peakMb());
            lastScript = s;
            Path d = copy(base, work.resolve("duckdag-" + r));
            Path pipeline = pipeline(d, tables, memory);
            Timed td = time(duckdag("run", pipeline));
            full.add(td.seconds());
            fullRss.add(td.peakMb());
            lastDuckdag = d;
        }
        line("## Full compaction (verification, swap, views and JVM start included)");
        line("");
        line("| contender | wall s | peak RSS MB |");
        line("| --- | --- | --- |");
        line("| the script | " + stat(script) + " | " + stat(scriptRss) + " |");
        line("| duckdag run | " + stat(full) + " | " + stat(fullRss) + " |");
        line("| ratio duckdag / script (pair by pair) | " + stat(ratios(full, script)) + " | |");
        line("");

        if (sections.contains("nightly")) {
            nightly(base, tables, lake);
        }
        if (sections.contains("queries")) {
            queries(base, lastScript, lastDuckdag, tables, lake);
        }
        if (rss) {
            peakMemory(rssMemory, rssRows);
        }
        if (sections.contains("engine")) {
            engine(chain);
        }
        if (keep) {
            return;
        }
        delete(base);
        for (int r = 0; r < reps; r++) {
            delete(work.resolve("script-" + r));
            delete(work.resolve("duckdag-" + r));
        }
    }

    /** One night's download (one small file per table into the latest year) on duckdag's compacted copies, then nothing. */
    void nightly(Path base, List<String> tables, Lake lake) throws Exception {
        List<Double> nightly = new ArrayList<>();
        List<Double> nightlyScript = new ArrayList<>();
        List<Double> noop = new ArrayList<>();
        List<Double> plan = new ArrayList<>();
        for (int r = 0; r < reps; r++) {
            Path d = work.resolve("duckdag-" + r);
            night(d.resolve("lake"), tables, lake, r);
            Path pipeline = d.resolve("bench.yaml");
            nightly.add(time(duckdag("run", pipeline)).seconds());
            noop.add(time(duckdag("run", pipeline)).seconds());
            plan.add(time(duckdag("plan", pipeline)).seconds());
            Path s = copy(base, work.resolve("script-night-" + r));
            night(s.resolve("lake"), tables, lake, r);
            nightlyScript.add(time(scriptCommand(s, tables)).seconds());
            delete(s);
        }
        line("## Nightly (one small file per table into the latest year) and no-op");
        line("");
        line("| run | wall s |");
        line("| --- | --- |");
        line("| the script, rewriting everything | " + stat(nightlyScript) + " |");
        line("| duckdag run, incremental | " + stat(nightly) + " |");
        line("| speed-up script / duckdag (pair by pair) | " + stat(ratios(nightlyScript, nightly)) + " |");
        line("| duckdag run with nothing to do | " + stat(noop) + " |");
        line("| duckdag plan with nothing to do | " + stat(plan) + " |");
        line("");
    }

    void queries(Path base, Path lastScript, Path lastDuckdag, List<String> tables, Lake lake) throws Exception {
        line("## Output order and queries");
        line("");
        line("| lake state | files | files in sort order | point lookup ms | one-year scan ms | full aggregate ms |");
        line("| --- | --- | --- | --- | --- | --- |");
        line(queries("before compaction", base.resolve("lake"), tables, lake, false));
        line(queries("after the script", lastScript.resolve("lake"), tables, lake, true));
        line(queries("after duckdag", lastDuckdag.resolve("lake"), tables, lake, true));
        line("");
    }

    /** Peak memory of a full run on one table whose data is several times the memory limit. */
    void peakMemory(String limit, long rows) throws Exception {
        Path d = work.resolve("rss");
        Path lakeDir = d.resolve("lake");
        Lake big = new Lake("rss", 1, rows, 1, 40);
        generate(d, big);
        long uncompressed;
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT sum(total_uncompressed_size) FROM parquet_metadata('" + lakeDir + "/**/*.parquet')")) {
            rs.next();
            uncompressed = rs.getLong(1);
        }
        Path pipeline = pipeline(d, List.of("t0"), limit);
        line("## Peak memory on a table larger than memory");
        line("");
        String what = "One table, one partition, " + rows + " rows, " + mb(uncompressed) + " MB uncompressed in Parquet; memory_limit " + limit;
        try {
            Timed t = time(duckdag("run", pipeline));
            line(what + ": duckdag run took " + String.format(Locale.ROOT, "%.1f", t.seconds()) + " s, peak RSS " + Math.round(t.peakMb())
                    + " MB.");
        } catch (IllegalStateException failed) {
            String why = failed.getMessage().lines().filter(l -> l.contains("FAILED")).findFirst().orElse("see " + work.resolve("last-command.log"));
            line(what + ": the run failed: " + why.strip());
        }
        line("");
        delete(d);
    }

    /** A chain of trivial shell steps: plan time, and the run's time per step. */
    void engine(int steps) throws Exception {
        Path d = work.resolve("chain");
        Files.createDirectories(d);
        StringBuilder y = new StringBuilder("pipeline: chain\nsettings: { state_dir: " + d.resolve("state") + " }\nsteps:\n");
        for (int i = 0; i < steps; i++) {
            y.append("  - { id: s").append(i).append(", type: shell, with: { command: [\"true\"] }")
                    .append(i > 0 ? ", depends_on: [s" + (i - 1) + "]" : "").append(" }\n");
        }
        Path file = d.resolve("chain.yaml");
        Files.writeString(file, y);
        List<Double> plan = new ArrayList<>();
        List<Double> run = new ArrayList<>();
        for (int r = 0; r < reps; r++) {
            plan.add(time(duckdag("plan", file)).seconds());
            run.add(time(duckdag("run", file)).seconds());
        }
        List<Double> perStep = run.stream().map(s -> s * 1000 / steps).toList();
        line("## Engine overhead: a chain of " + steps + " trivial shell steps (`true`, as an argv)");
        line("");
        line("| figure | value |");
        line("| --- | --- |");
        line("| plan, s | " + stat(plan) + " |");
        line("| run, s | " + stat(run) + " |");
        line("| run per step, ms (process start of `true` included) | " + stat(perStep) + " |");
        line("");
        delete(d);
    }

    // ---- the lake ----

    /** Tables t0, t1, ... with year partitions, many small files each, rows in no order, from a fixed seed. */
    List<String> generate(Path dir, Lake lake) throws Exception {
        Path lakeDir = dir.resolve("lake");
        Path scratch = dir.resolve("scratch");
        List<String> tables = new ArrayList<>();
        int filesPerYear = Math.max(1, lake.filesPerTable() / lake.years());
        long rowsPerYear = lake.rows() / lake.years();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            s.execute("SET threads = " + threads);
            for (int t = 0; t < lake.tables(); t++) {
                String table = "t" + t;
                tables.add(table);
                for (int y = 0; y < lake.years(); y++) {
                    int year = 2025 - lake.years() + 1 + y;
                    delete(scratch);
                    Files.createDirectories(dir);
                    s.execute("COPY (SELECT " + columns(t * 1000L + y, year) + ", (hash(i, " + (t * 7919 + y) + ") % " + filesPerYear
                            + ")::INTEGER AS f FROM range(" + rowsPerYear + ") r(i)) TO '" + scratch + "' (FORMAT PARQUET, PARTITION_BY (f))");
                    Path yearDir = lakeDir.resolve(table).resolve("year=" + year);
                    Files.createDirectories(yearDir);
                    try (Stream<Path> fs = Files.walk(scratch)) {
                        for (Path p : fs.filter(p -> p.toString().endsWith(".parquet")).toList()) {
                            String f = p.getParent().getFileName().toString().substring(2);
                            Files.move(p, yearDir.resolve("part-" + f + "-" + p.getFileName()));
                        }
                    }
                }
            }
        }
        delete(scratch);
        return tables;
    }

    /** A row of daily market data: a stock code out of 5,000, a date in the year, and prices. */
    static String columns(long seed, int year) {
        return "printf('%06d.SZ', hash(i, " + seed + ") % 5000) AS ts_code, DATE '" + year + "-01-01' + (hash(i, " + (seed + 1)
                + ") % 365)::INTEGER AS trade_date, " + year + "::BIGINT AS year, round((hash(i, " + (seed + 2)
                + ") % 100000) / 100.0, 2)::DOUBLE AS close, (hash(i, " + (seed + 3) + ") % 1000000)::BIGINT AS vol, "
                + "round((hash(i, " + (seed + 4) + ") % 10000000) / 10.0, 1)::DOUBLE AS amount, md5(i::VARCHAR || '" + seed + "') AS note";
    }

    /** One night's download: a small file per table into the latest year, written under a hidden name and renamed. */
    void night(Path lakeDir, List<String> tables, Lake lake, int r) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            for (String t : tables) {
                Path dir = lakeDir.resolve(t).resolve("year=2025");
                Path tmp = dir.resolve(".night-" + r + ".parquet.tmp");
                s.execute("COPY (SELECT " + columns(99_000 + r, 2025) + " FROM range(" + Math.max(100, lake.rows() / lake.years() / 1000)
                        + ") r(i)) TO '" + tmp + "' (FORMAT PARQUET)");
                Files.move(tmp, dir.resolve("night-" + r + ".parquet"));
            }
        }
    }

    Path pipeline(Path dir, List<String> tables, String limit) throws IOException {
        StringBuilder y = new StringBuilder("pipeline: bench\nsettings:\n");
        for (String k : List.of("lake", "staging", "backups", "quarantine", "state_dir")) {
            y.append("  ").append(k).append(": ").append(dir.resolve(k.equals("state_dir") ? "state" : k)).append("\n");
        }
        y.append("  metadata_db: ").append(dir.resolve("metadata.db")).append("\n");
        y.append("  duckdb: { memory_limit: ").append(limit).append(", threads: ").append(threads).append(", temp_directory: ")
                .append(dir.resolve("tmp")).append(" }\ntables:\n");
        for (String t : tables) {
            y.append("  ").append(t).append(": { partition_by: [year], sort_by: [ts_code] }\n");
        }
        y.append("""
                steps:
                  - { id: compact, type: compact, foreach: tables }
                  - { id: verify, type: verify, foreach: tables, depends_on: [compact] }
                  - { id: swap, type: swap, foreach: tables, depends_on: [verify] }
                  - { id: sync-metadata, type: sync-metadata, depends_on: [swap], trigger_rule: all_done }
                """);
        Path file = dir.resolve("bench.yaml");
        Files.writeString(file, y);
        return file;
    }

    // ---- order and queries ----

    String queries(String state, Path lakeDir, List<String> tables, Lake lake, boolean checkOrder) throws Exception {
        int files = 0;
        int sorted = 0;
        List<Double> point = new ArrayList<>();
        List<Double> scan = new ArrayList<>();
        List<Double> aggregate = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            s.execute("SET threads = " + threads);
            s.execute("SET memory_limit = '" + memory + "'");
            String t = tables.get(0);
            String view = "read_parquet('" + lakeDir.resolve(t) + "/**/[!._]*.parquet', hive_partitioning = true, union_by_name = true)";
            if (checkOrder) {
                List<Path> all = new ArrayList<>();
                for (String table : tables) { // the live tables only (the script leaves its backup beside them)
                    try (Stream<Path> fs = Files.walk(lakeDir.resolve(table))) {
                        fs.filter(p -> p.getFileName().toString().endsWith(".parquet") && !p.getFileName().toString().startsWith("."))
                                .forEach(all::add);
                    }
                }
                for (Path p : all) {
                    files++;
                    try (ResultSet rs = s.executeQuery("SELECT count(*) FROM (SELECT ts_code, lag(ts_code) OVER (ORDER BY file_row_number) AS prev "
                            + "FROM read_parquet('" + p + "', file_row_number = true, hive_partitioning = false)) WHERE prev > ts_code")) {
                        rs.next();
                        sorted += rs.getLong(1) == 0 ? 1 : 0;
                    }
                }
            }
            int year = 2025 - lake.years() / 2;
            for (int r = 0; r < 5; r++) {
                point.add(query(s, "SELECT count(*), sum(close) FROM " + view + " WHERE ts_code = '000123.SZ'"));
                scan.add(query(s, "SELECT count(*), avg(close) FROM " + view + " WHERE year = " + year));
                aggregate.add(query(s, "SELECT count(*), sum(vol), avg(close) FROM " + view));
            }
        }
        String order = checkOrder ? sorted + " of " + files + " (" + (files == 0 ? 0 : 100 * sorted / files) + "%)" : "-";
        return "| " + state + " | " + (checkOrder ? files : "-") + " | " + order + " | " + stat(point) + " | " + stat(scan) + " | " + stat(aggregate) + " |";
    }

    static double query(Statement s, String sql) throws SQLException {
        long t0 = System.nanoTime();
        try (ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                rs.getString(1);
            }
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    // ---- processes ----

    record Timed(double seconds, double peakMb, int exit) {
    }

    /** duckdag as users start it: the launcher beside the jar's project (class data sharing included). */
    List<String> duckdag(String command, Path pipeline) {
        Path launcher = jar.getParent().getParent().resolve("duckdag");
        return Files.isExecutable(launcher) ? List.of(launcher.toString(), command, pipeline.toString())
                : List.of("java", "-jar", jar.toString(), command, pipeline.toString());
    }

    List<String> scriptCommand(Path dir, List<String> tables) {
        List<String> cmd = new ArrayList<>(List.of("java", "-cp", jar + java.io.File.pathSeparator + classes, "Script",
                dir.resolve("lake").toString(), dir.resolve("parquet_temp").toString(), memory, "" + threads));
        cmd.addAll(tables);
        return cmd;
    }

    /** Runs a command to its end under /usr/bin/time (for the peak RSS) and returns its wall time. */
    Timed time(List<String> command) throws Exception {
        Path rss = Files.createTempFile(work, "rss", ".txt");
        List<String> cmd = new ArrayList<>();
        boolean timed = Files.isExecutable(Path.of("/usr/bin/time"));
        if (timed) {
            cmd.addAll(List.of("/usr/bin/time", "-o", rss.toString(), "-f", "%M"));
        }
        cmd.addAll(command);
        Path log = work.resolve("last-command.log");
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        int exit = p.waitFor();
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (exit != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited " + exit + ":\n" + Files.readString(log));
        }
        double peak = Double.NaN;
        if (timed) {
            List<String> lines = Files.readAllLines(rss);
            peak = Double.parseDouble(lines.get(lines.size() - 1).strip()) / 1024.0;
        }
        Files.delete(rss);
        return new Timed(seconds, peak, exit);
    }

    // ---- files ----

    /** A fresh copy of {@code base} by hard links, so every contender starts from the same bytes at no cost. */
    static Path copy(Path base, Path to) throws IOException {
        delete(to);
        Files.walkFileTree(base, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(to.resolve(base.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Path target = to.resolve(base.relativize(file).toString());
                Files.createLink(target, file);
                return FileVisitResult.CONTINUE;
            }
        });
        return to;
    }

    static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Collections.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    static long size(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    // ---- figures ----

    static List<Double> ratios(List<Double> a, List<Double> b) {
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            out.add(a.get(i) / b.get(i));
        }
        return out;
    }

    /** "median (min-max)". */
    static String stat(List<Double> values) {
        if (values.isEmpty() || values.stream().anyMatch(v -> v.isNaN())) {
            return "-";
        }
        List<Double> v = new ArrayList<>(values);
        Collections.sort(v);
        double median = v.size() % 2 == 1 ? v.get(v.size() / 2) : (v.get(v.size() / 2 - 1) + v.get(v.size() / 2)) / 2;
        String f = median >= 100 ? "%.0f" : median >= 10 ? "%.1f" : "%.2f";
        return String.format(Locale.ROOT, f + " (" + f + "-" + f + ")", median, v.get(0), v.get(v.size() - 1));
    }

    static String secs(long nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1e9);
    }

    static long mb(long bytes) {
        return Math.round(bytes / 1048576.0);
    }

    static String machineMemory() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (l.startsWith("MemTotal:")) {
                    return Math.round(Long.parseLong(l.replaceAll("\\D", "")) / 1048576.0) + " GB";
                }
            }
        } catch (IOException e) {
            // not Linux: leave it out
        }
        return "? GB";
    }

    static String duckdbVersion() throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT library_version FROM pragma_version()")) {
            rs.next();
            return rs.getString(1);
        }
    }

    void line(String text) {
        report.append(text).append('\n');
        System.err.println(text); // progress while it runs
    }
}
