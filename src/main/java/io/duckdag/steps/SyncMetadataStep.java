package io.duckdag.steps;

import io.duckdag.kind.Impact;
import io.duckdag.kind.PlanContext;
import io.duckdag.kind.StepContext;
import io.duckdag.kind.StepDescription;
import io.duckdag.kind.StepFailedException;
import io.duckdag.kind.KindBase;
import io.duckdag.kind.StepResult;
import io.duckdag.lake.Compactor;
import io.duckdag.lake.FileSchemas;
import io.duckdag.lake.InputSchema;
import io.duckdag.lake.LakeLayout;
import io.duckdag.lake.LakeScanner;
import io.duckdag.lake.MetadataDb;
import io.duckdag.lake.TypeWidening;
import io.duckdag.lake.Views;
import io.duckdag.pipeline.Binding;
import io.duckdag.pipeline.Identifiers;
import io.duckdag.pipeline.Node;
import io.duckdag.pipeline.Nodes;
import io.duckdag.pipeline.Pipeline;
import io.duckdag.pipeline.StepConfig;
import io.duckdag.pipeline.StorageVersion;
import io.duckdag.pipeline.TableSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Creates or replaces one view per table in the metadata database, in one transaction: every
 * table folder of the lake that holds Parquet files (or only those named in {@code with.tables}).
 * A view duckdag created whose table is gone is dropped; a view it did not create is never
 * dropped. A new database file is created in {@code settings.metadata_storage_version}, so that
 * DuckDB clients of that release open it. DuckDB lets one process open a database file; if
 * another holds it, this retries with backoff, then fails naming the holder.
 */
public final class SyncMetadataStep extends KindBase<SyncMetadataStep.Config> {
    static final int ATTEMPTS = 6;
    static final Duration FIRST_DELAY = Duration.ofMillis(500);

    private final int attempts;
    private final Duration firstDelay;

    /** Tries to open the database 6 times, 0.5 s apart at first and doubling: about 15 s in all. */
    public SyncMetadataStep() {
        this(ATTEMPTS, FIRST_DELAY);
    }

    public SyncMetadataStep(int attempts, Duration firstDelay) {
        super("sync-metadata", Config.class, Role.READS_LAKE, WITH_KEYS);
        this.attempts = attempts;
        this.firstDelay = firstDelay;
    }
    private static final Pattern HOLDER = Pattern.compile("Conflicting lock is held in (.*?) \\(PID (\\d+)\\)");
    private static final Set<String> WITH_KEYS = Set.of("tables");

    /**
     * {@code named}: the step names its tables, and only their views are touched. Otherwise it
     * covers every table folder in the lake, declared or not ({@code tables} then lists the declared ones).
     */
    public record Config(List<String> tables, boolean named) implements StepConfig {
        public Config {
            tables = List.copyOf(tables);
        }
    }

    @Override
    public Config bind(Node.Mapping with, Binding binding) {
        Nodes.allowOnly(with, WITH_KEYS, binding.where());
        return new Config(binding.tables(with), with.get("tables").isPresent());
    }

    @Override
    public StepDescription describe(Config m, PlanContext context) {
        List<Path> reads = new ArrayList<>();
        m.tables().forEach(t -> reads.add(context.layout().liveTable(t)));
        return new StepDescription("create or replace the views " + String.join(", ", m.tables()) + " in "
                + context.layout().metadataDb(), reads, List.of(context.layout().metadataDb()));
    }

    @Override
    public void fingerprint(Config config, Pipeline pipeline, Map<String, Object> into) {
        Map<String, Object> declared = new LinkedHashMap<>();
        pipeline.tables().stream().filter(t -> !t.columns().isEmpty()).forEach(t -> declared.put(t.name(), t.columns()));
        if (!declared.isEmpty()) {
            into.put("declared_columns", declared); // the views cast them
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("lake", pipeline.settings().lake().toString());
        settings.put("metadata_db", pipeline.settings().metadataDb().toString());
        settings.put("metadata_storage_version", pipeline.settings().metadataStorageVersion().toString());
        into.put("settings", settings);
    }

    @Override
    public Impact impact(Config m, PlanContext context) {
        LakeLayout layout = context.layout();
        Optional<Impact> noLake = LakeLook.of(context).noLake();
        if (noLake.isPresent()) {
            return noLake.get();
        }
        List<String> views;
        try {
            views = m.named() ? m.tables() : tablesInLake(layout.lake());
        } catch (java.io.IOException e) {
            return Impact.of(List.of("the lake cannot be listed: " + e.getMessage()));
        }
        if (views.isEmpty()) {
            return new Impact(List.of("no table in the lake has files yet: no view to create"), Map.of("views", 0L));
        }
        Optional<String> inputs = stampInputs(context.pipeline(), m.named(), views);
        if (inputs.isPresent() && ViewStamp.load(ViewStamp.file(context.pipelineStateDir(), context.stepId()))
                .filter(v -> v.holds(inputs.get(), layout.metadataDb())).isPresent()) {
            return new Impact(List.of("the views " + String.join(", ", views) + " in " + layout.metadataDb() + " are as the last sync wrote them"
                    + " and nothing below their table folders changed: nothing to write (unless a step before it changes the lake)"),
                    Map.of("views", 0L));
        }
        return new Impact(List.of("views to create or replace in " + layout.metadataDb() + ": " + String.join(", ", views)),
                Map.of("views", (long) views.size()));
    }

    @Override
    public StepResult execute(Config config, StepContext ctx) throws Exception {
        LakeLayout layout = LakeLayout.of(ctx.pipeline());
        CompactStep.requireLake(layout);
        boolean narrowed = config.named();
        List<String> tables = narrowed ? config.tables() : tablesInLake(layout.lake());
        Map<String, Path> withFiles = new LinkedHashMap<>();
        Map<String, List<String>> levels = new LinkedHashMap<>();
        Map<String, String> problems = new LinkedHashMap<>();
        for (String t : tables) {
            Path root = layout.liveTable(t);
            Optional<TableSpec> spec = ctx.pipeline().table(t);
            if (spec.isPresent()) {
                // A declared table's view reads its partition folders only (see Views), so those must hold a file.
                if (LakeScanner.scan(root, spec.get()).isEmpty()) {
                    ctx.log().println(t + ": no Parquet files in " + (spec.get().partitionBy().isEmpty() ? root
                            : root + "/" + String.join("=.../", spec.get().partitionBy()) + "=...") + ", no view");
                    continue;
                }
                levels.put(t, Views.partitionLevels(spec.get().partitionBy()));
            } else {
                java.util.SortedSet<Integer> depths = Files.isDirectory(root) ? LakeScanner.fileDepths(root) : new java.util.TreeSet<>();
                if (depths.isEmpty()) {
                    ctx.log().println(t + ": no Parquet files in " + root + ", no view");
                    continue;
                }
                if (depths.size() > 1) {
                    problems.put(t, "its files are at different folder depths below " + root + " (" + depths + " levels), which DuckDB "
                            + "cannot read as one Hive-partitioned table; declare it under tables: with its partition_by, or move the files");
                }
                levels.put(t, Views.anyLevels(depths.last()));
            }
            withFiles.put(t, root);
            // DuckDB's glob follows symbolic links, so the view would read what compaction leaves
            // alone, perhaps from outside the lake: the table keeps its old view until the link goes.
            List<String> links = LakeScanner.notFollowed(root).stream().filter(p -> Files.isSymbolicLink(root.resolve(p))).toList();
            if (!links.isEmpty() && !problems.containsKey(t)) {
                Path first = root.resolve(links.get(0));
                problems.put(t, links.size() + " symbolic link(s) below " + root + ", e.g. " + first + " -> " + linkTarget(first)
                        + ", which the view would follow while compaction and swap leave them alone; duckdag reads only real "
                        + "files and folders in the lake: put the files themselves there, or remove the link");
            }
        }
        StorageVersion wanted = ctx.pipeline().settings().metadataStorageVersion();
        Path stampFile = ViewStamp.file(ctx.pipelineStateDir(), ctx.step().id());
        Optional<String> inputs = stampInputs(ctx.pipeline(), narrowed, tables);
        if (problems.isEmpty() && inputs.isPresent() && ViewStamp.load(stampFile).filter(v -> v.holds(inputs.get(), layout.metadataDb())).isPresent()) {
            ctx.log().println("the views " + String.join(", ", withFiles.keySet()) + " in " + layout.metadataDb() + " are as the last sync "
                    + "wrote them, and nothing below their table folders changed since: nothing to write (" + stampFile + ")");
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("views", withFiles.size());
            m.put("views_unchanged", withFiles.size());
            return StepResult.of(m);
        }
        ViewStamp.delete(stampFile);
        List<String> dropped = new ArrayList<>();
        boolean rebuilt;
        try (MetadataDb db = open(ctx, layout, wanted); Statement s = db.connection().createStatement()) {
            keepReadable(ctx, db, layout.metadataDb(), wanted);
            List<String> ours = new ArrayList<>();
            try (ResultSet rs = s.executeQuery(Views.OURS)) {
                while (rs.next()) {
                    ours.add(rs.getString(1));
                }
            }
            // Each view is tried before the transaction: one table whose files DuckDB cannot read as a
            // view keeps its old view, and the others are still refreshed.
            Map<String, String> creates = new LinkedHashMap<>();
            for (Map.Entry<String, Path> e : withFiles.entrySet()) {
                if (problems.containsKey(e.getKey())) {
                    continue;
                }
                List<String> present = new ArrayList<>();
                try (ResultSet rs = s.executeQuery(Views.describe(e.getValue(), levels.get(e.getKey())))) {
                    while (rs.next()) {
                        present.add(rs.getString(1));
                    }
                } catch (SQLException bad) {
                    ctx.cancellation().throwIfCancelled();
                    problems.put(e.getKey(), "DuckDB cannot read its files as a view: " + bad.getMessage().strip().lines().findFirst().orElse(""));
                    continue;
                }
                creates.put(e.getKey(), Views.create(e.getKey(), e.getValue(), levels.get(e.getKey()),
                        declaredCasts(db.connection(), ctx, e.getKey(), e.getValue(), present)));
            }
            s.execute("BEGIN TRANSACTION");
            for (Map.Entry<String, String> e : creates.entrySet()) {
                s.execute(e.getValue());
                s.execute(Views.comment(e.getKey(), ctx.pipeline().name()));
            }
            for (String view : ours) {
                boolean covered = !narrowed || tables.contains(view);
                if (covered && !withFiles.containsKey(view)) {
                    s.execute(Views.drop(view));
                    dropped.add(view);
                }
            }
            ctx.failpoints().hit("sync:before-commit");
            s.execute("COMMIT");
            for (String view : creates.keySet()) {
                try (ResultSet rs = s.executeQuery(Views.rowCount(view))) {
                    rs.next();
                    ctx.log().println("view " + view + ": " + rs.getLong(1) + " rows");
                }
            }
            rebuilt = db.finishRebuild();
        } catch (SQLException e) {
            ctx.cancellation().throwIfCancelled();
            throw new StepFailedException("DuckDB could not update the views in " + layout.metadataDb() + ": "
                    + e.getMessage().strip().lines().findFirst().orElse("") + "; the views are as they were");
        }
        if (rebuilt) {
            ctx.log().println(layout.metadataDb() + " now holds the views in storage version " + wanted);
        }
        if (!problems.isEmpty()) {
            problems.forEach((t, why) -> ctx.log().println("view " + t + " not refreshed: " + why));
            Map.Entry<String, String> first = problems.entrySet().iterator().next();
            throw new StepFailedException((problems.size() == 1 ? "the view " : problems.size() + " views, the first ") + first.getKey()
                    + ", not refreshed: " + first.getValue() + (withFiles.size() > problems.size() ? "; the other "
                    + (withFiles.size() - problems.size()) + " views were" : ""));
        }
        if (inputs.isPresent()) {
            Optional<ViewStamp.Database> written = ViewStamp.Database.of(layout.metadataDb());
            if (written.isPresent()) {
                new ViewStamp(inputs.get(), written.get()).save(stampFile);
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("views", withFiles.size());
        if (!dropped.isEmpty()) {
            m.put("views_dropped", dropped.size());
        }
        if (rebuilt) {
            m.put("rebuilt_in", wanted.toString());
        }
        return StepResult.of(m);
    }

    /**
     * Everything the views of {@code tables} depend on, for the {@link ViewStamp}: the database and
     * version asked for, the pipeline (the views' comment names it), which tables and whether the
     * step names them (only then are views of other tables left alone), each view's SQL as this build
     * writes it with the declared types, and the tree below each table folder; empty when that tree
     * holds something a listing cannot vouch for.
     */
    static Optional<String> stampInputs(io.duckdag.pipeline.Pipeline pipeline, boolean narrowed, List<String> tables) {
        LakeLayout layout = LakeLayout.of(pipeline);
        ViewStamp.Inputs in = new ViewStamp.Inputs()
                .add("build", ViewStamp.build())
                .add("metadata_db", layout.metadataDb().toAbsolutePath().normalize())
                .add("storage_version", pipeline.settings().metadataStorageVersion())
                .add("pipeline", pipeline.name())
                .add("narrowed", narrowed)
                .add("tables", tables);
        for (String t : tables) {
            Path root = layout.liveTable(t);
            Optional<TableSpec> spec = pipeline.table(t);
            in.add("table", t).add("view", spec.map(s -> Views.create(t, root, Views.partitionLevels(s.partitionBy()), s.columns()))
                    .orElse("undeclared " + root.toAbsolutePath().normalize()));
            in.tree(root);
        }
        return in.hash();
    }

    /**
     * A file in a newer storage version than {@code wanted} (one an earlier duckdag wrote in DuckDB's
     * default) is rebuilt in {@code wanted} when it holds nothing but duckdag's views, which can be
     * re-created from the lake; anything else in it may be the user's only copy, so it is left as it is.
     */
    private static void keepReadable(StepContext ctx, MetadataDb db, Path file, StorageVersion wanted) throws Exception {
        Optional<StorageVersion> found = db.storageVersion();
        if (found.isEmpty() || !found.get().isNewerThan(wanted)) {
            return;
        }
        String unreadable = file + " is in DuckDB storage version " + found.get() + ", which DuckDB releases before "
                + found.get() + (found.get().major() > 1 ? " (every DuckDB 1.x)" : "") + " cannot open";
        List<String> others = db.otherObjects();
        if (others.isEmpty()) {
            ctx.log().println(unreadable + "; it holds only duckdag's views, so they are written to a new file in storage version "
                    + wanted + " (settings.metadata_storage_version) that replaces it");
            db.beginRebuild(wanted);
            return;
        }
        ctx.log().println("warning: " + unreadable + ". It also holds " + String.join(", ", others)
                + ", which duckdag did not create, so it is left in " + found.get() + " and its views are updated there."
                + " To let older clients open it, copy those objects to another database and delete " + file
                + " (the next sync-metadata creates it in " + wanted + "), or set settings.metadata_storage_version to "
                + found.get() + " if every client is that new");
    }

    private MetadataDb open(StepContext ctx, LakeLayout layout, StorageVersion version) throws Exception {
        Duration delay = firstDelay;
        for (int attempt = 1; ; attempt++) {
            try {
                return MetadataDb.attach(layout.metadataDb(), version, ctx.pipeline().settings().duckdb());
            } catch (SQLException e) {
                Matcher m = HOLDER.matcher(String.valueOf(e.getMessage()));
                if (!m.find()) {
                    throw new StepFailedException("cannot open " + layout.metadataDb() + ": "
                            + String.valueOf(e.getMessage()).strip().lines().findFirst().orElse("")
                            + "; check settings.metadata_db and that the file is a DuckDB database, then resume the run");
                }
                String holder = m.group(1) + " (pid " + m.group(2) + ")";
                if (attempt == attempts) {
                    throw new StepFailedException(layout.metadataDb() + " is held open by " + holder + " (tried " + attempts + " times)"
                            + "; DuckDB lets one process open it at a time. Close that program (or its connection) and resume the run");
                }
                ctx.log().println(layout.metadataDb() + " is held by " + holder + "; retrying in " + delay.toMillis() + " ms");
                ctx.progress().accept("waiting for " + layout.metadataDb() + ", held open by " + holder + " (try " + attempt + " of " + attempts + ")");
                if (!ctx.cancellation().sleep(delay)) {
                    ctx.cancellation().throwIfCancelled();
                }
                delay = delay.multipliedBy(2);
            }
        }
    }

    /** The declared column types of the table ({@code tables.<t>.columns}) that its files have. */
    private static Map<String, String> declaredCasts(Connection connection, StepContext ctx, String table, Path root, List<String> present)
            throws SQLException {
        Map<String, String> declared = ctx.pipeline().table(table).map(TableSpec::columns).orElse(Map.of());
        if (declared.isEmpty()) {
            return Map.of();
        }
        Map<String, String> casts = new LinkedHashMap<>();
        declared.forEach((column, type) -> {
            if (InputSchema.contains(present, column)) {
                casts.put(column, type);
            }
        });
        warnAboutLateTypes(connection, ctx, table, root, casts);
        return casts;
    }

    /**
     * Files that arrived since the last compaction may hold a declared column in another type;
     * the view reads them through DuckDB's widening and then its cast, which can round (BIGINT
     * read with DOUBLE). The lake is not changed by it, and the next compaction refuses what does
     * not convert exactly; the log says so now.
     */
    private static void warnAboutLateTypes(Connection connection, StepContext ctx, String table, Path root, Map<String, String> casts)
            throws SQLException {
        TableSpec spec = ctx.pipeline().table(table).orElseThrow();
        List<Path> files = new ArrayList<>();
        LakeScanner.scan(root, spec).forEach((p, fs) -> fs.forEach(f -> files.add(p.dirIn(root).resolve(f.name()).toAbsolutePath())));
        Map<String, String> declaredTypes = InputSchema.byName();
        for (Map.Entry<String, String> c : casts.entrySet()) {
            try {
                declaredTypes.put(c.getKey(), Compactor.canonicalType(connection, c.getValue()));
            } catch (SQLException unknown) {
                declaredTypes.put(c.getKey(), c.getValue()); // the view's CAST says so when it is queried
            }
        }
        Map<String, List<String>> odd = new LinkedHashMap<>();
        FileSchemas.read(connection, files).forEach((file, columns) -> columns.forEach(col -> {
            String wanted = declaredTypes.get(col.name());
            if (wanted != null && !TypeWidening.exact(col.type(), wanted)) {
                odd.computeIfAbsent(col.name() + " is " + col.type(), k -> new ArrayList<>()).add(root.relativize(file).toString());
            }
        }));
        odd.forEach((what, where) -> ctx.log().println("warning: view " + table + ": column " + what + " in " + where.size()
                + " live files not compacted since (e.g. " + where.get(0) + "); the view casts them to the declared type as DuckDB "
                + "reads them, which can change values until compaction settles them (round numbers, show bytes as escapes, shift times "
                + "by the client's time zone); compaction refuses any value that does not convert exactly"));
    }

    private static String linkTarget(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (java.io.IOException | UnsupportedOperationException e) {
            return "?";
        }
    }

    /** Table folders of the lake: plain names that hold at least one Parquet file somewhere below. */
    static List<String> tablesInLake(Path lake) throws java.io.IOException {
        TreeSet<String> names = new TreeSet<>();
        if (Files.isDirectory(lake)) {
            try (Stream<Path> children = Files.list(lake)) {
                for (Path p : children.toList()) {
                    String n = p.getFileName().toString();
                    if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS) && Identifiers.isPlain(n) && hasParquet(p)) {
                        names.add(n);
                    }
                }
            }
        }
        return new ArrayList<>(names);
    }

    private static boolean hasParquet(Path root) throws java.io.IOException {
        if (!Files.isDirectory(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (Stream<Path> all = Files.walk(root)) {
            return all.anyMatch(p -> {
                String n = p.getFileName().toString();
                return n.endsWith(".parquet") && !n.startsWith(".") && !n.startsWith("_")
                        && Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            });
        }
    }
}
