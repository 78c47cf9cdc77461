package io.duckdag.steps;

import io.duckdag.kind.Impact;
import io.duckdag.kind.PlanContext;
import io.duckdag.kind.StepContext;
import io.duckdag.kind.StepDescription;
import io.duckdag.kind.StepFailedException;
import io.duckdag.kind.KindBase;
import io.duckdag.kind.StepResult;
import io.duckdag.lake.Compaction;
import io.duckdag.lake.Compactor;
import io.duckdag.lake.DuckDb;
import io.duckdag.lake.LakeFile;
import io.duckdag.lake.LakeLayout;
import io.duckdag.lake.LakeScanner;
import io.duckdag.lake.Partition;
import io.duckdag.lake.PartitionCompaction;
import io.duckdag.lake.StagedFile;
import io.duckdag.lake.TableManifest;
import io.duckdag.lake.Tiering;
import io.duckdag.lake.UnreadableFile;
import io.duckdag.pipeline.Binding;
import io.duckdag.pipeline.DuckDbSettings;
import io.duckdag.pipeline.Node;
import io.duckdag.pipeline.Nodes;
import io.duckdag.pipeline.Pipeline;
import io.duckdag.pipeline.StepConfig;
import io.duckdag.pipeline.TableSpec;
import io.duckdag.state.StepRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Rewrites the partitions of one table that changed since duckdag last put compacted data
 * there (all of them with {@code full: true}) into {@code <staging>/<run>/<table>}. The lake
 * is only read. Which files were read, and what was written, is recorded per partition as it
 * finishes, so a re-run after a crash keeps the partitions already done.
 */
public final class CompactStep extends KindBase<CompactStep.Config> {
    private static final Set<String> WITH_KEYS = Set.of("table", "full", "target_file_size", "row_group_size");

    /** {@code targetFileSize} as written ("256MB"), for messages and records; {@code targetFileBytes} as parsed. */
    public record Config(String table, boolean full, String targetFileSize, long targetFileBytes, int rowGroupSize)
            implements StepConfig {
        public static final String DEFAULT_TARGET_FILE_SIZE = "256MB";
        public static final int DEFAULT_ROW_GROUP_SIZE = 122_880;
    }

    public CompactStep() {
        super("compact", Config.class, Role.CHANGES_LAKE, WITH_KEYS);
    }

    @Override
    public Config bind(Node.Mapping with, Binding binding) {
        Nodes.allowOnly(with, WITH_KEYS, binding.where());
        String size = with.get("target_file_size").map(n -> Nodes.size(n, "target_file_size")).orElse(Config.DEFAULT_TARGET_FILE_SIZE);
        return new Config(binding.oneTable(with),
                with.get("full").map(n -> Nodes.bool(n, "full")).orElse(false),
                size, Nodes.bytes(size),
                with.get("row_group_size").map(n -> Nodes.integer(n, "row_group_size", 1024)).orElse(Config.DEFAULT_ROW_GROUP_SIZE));
    }

    @Override
    public StepDescription describe(Config c, PlanContext context) {
        TableSpec t = context.pipeline().table(c.table()).orElseThrow();
        return new StepDescription("rewrite " + (c.full() ? "every partition" : "the changed partitions") + " of "
                + c.table() + " (" + t.describeShape() + "files up to " + c.targetFileSize() + ", zstd)",
                List.of(context.layout().liveTable(c.table())), List.of(context.layout().stagedTable(context.runId(), c.table())));
    }

    @Override
    public void fingerprint(Config config, Pipeline pipeline, Map<String, Object> into) {
        LakeLook.tableFingerprint(config.table(), pipeline, into);
    }

    @Override
    public List<String> tablesChanged(Config config) {
        return List.of(config.table());
    }

    @Override
    public List<String> needsColumnsOf(Config config) {
        return List.of(config.table());
    }

    @Override
    public Optional<String> inputFingerprint(Config c, PlanContext context) {
        return Optional.of(LakeLook.of(context).listingFingerprint(c.table()));
    }

    @Override
    public Impact impact(Config c, PlanContext context) {
        LakeLook look = LakeLook.of(context);
        Optional<Impact> noLake = look.noLake();
        if (noLake.isPresent()) {
            return noLake.get();
        }
        LakeLook.Changes ch = look.changes(c.table(), c.full());
        if (ch.rewrite().isEmpty()) {
            return new Impact(List.of("no partition changed since the last compaction (" + ch.unchanged() + " unchanged): nothing to rewrite"),
                    LakeLook.numbers("partitions", 0, "partitions_tiered", 0, "partitions_unchanged", ch.unchanged(), "files", 0, "bytes", 0, "rows", 0));
        }
        Map<Partition, List<LakeFile>> tiered = look.tiered(c.table(), c.full());
        Map<Partition, List<LakeFile>> whole = new LinkedHashMap<>(ch.rewrite());
        whole.keySet().removeAll(tiered.keySet());
        Map<Partition, List<LakeFile>> inputs = look.inputsOf(c.table(), c.full());
        List<LakeFile> files = inputs.values().stream().flatMap(List::stream).toList();
        long bytes = files.stream().mapToLong(LakeFile::size).sum();
        LakeLook.Rows footer = look.footerRows(c.table(), inputs);
        String rows = footer.text();
        boolean keyed = !context.pipeline().table(c.table()).orElseThrow().key().isEmpty();
        long kept = tiered.values().stream().mapToLong(List::size).sum();
        Map<String, Long> numbers = LakeLook.numbers("partitions", ch.rewrite().size(), "partitions_tiered", tiered.size(),
                "partitions_unchanged", ch.unchanged(), "files", files.size(), "bytes", bytes);
        if (footer.count() != null) {
            numbers.put("rows", footer.count());
        }
        return new Impact(List.of(
                "partitions to rewrite: " + whole.size() + (whole.isEmpty() ? "" : " (" + LakeLook.labels(whole) + ")")
                        + (tiered.isEmpty() ? "" : "; tiered: " + tiered.size() + " (" + LakeLook.labels(tiered) + "), only their new files, "
                        + "compacted into one more sorted file beside the " + kept + " compacted files they keep")
                        + "; unchanged, skipped: " + ch.unchanged(),
                "in: " + files.size() + " files, " + LakeLook.human(bytes) + ", " + rows + " rows (from footers)",
                "out: about " + ch.rewrite().size() + " files, " + (keyed ? "at most " : "") + rows + " rows"
                        + (keyed ? " (duplicate keys collapse)" : "") + ", sorted, zstd"), numbers);
    }

    @Override
    public Optional<String> staleCheckpoint(Config c, StepRecord record, PlanContext context) {
        LakeLook look = LakeLook.of(context);
        Optional<Compaction> compaction = Compaction.load(context.runDir(), c.table()).filter(Compaction::finished);
        if (compaction.isEmpty()) {
            return Optional.of("its compaction record of run " + context.runId() + " is missing");
        }
        Optional<String> missing = look.missingOutputs(c.table(), context.runDir(), compaction.get().partitions().stream()
                .map(p -> Map.entry(p.partition(), p.outputs())).toList());
        return missing.isPresent() ? missing : look.changedInputs(c.table(), context.runDir(), compaction.get());
    }

    @Override
    public StepResult execute(Config config, StepContext ctx) throws Exception {
        TableSpec table = ctx.pipeline().table(config.table()).orElseThrow();
        LakeLayout layout = LakeLayout.of(ctx.pipeline());
        Path live = layout.liveTable(table.name());
        requireLake(layout);
        if (!Files.isDirectory(live)) {
            ctx.log().println("table " + table.name() + " has no folder in the lake yet (" + live + "): nothing to compact");
        }
        Path staged = layout.stagedTable(ctx.runId(), table.name());
        TableManifest manifest = TableManifest.load(ctx.pipelineStateDir(), table.name());
        Map<Partition, List<LakeFile>> partitions = LakeScanner.scan(live, table);
        Optional<Compaction> earlier = Compaction.load(ctx.runDir(), table.name());
        List<String> outside = LakeScanner.outsidePartitions(live, table,
                partitions.keySet().stream().map(p -> p.dirIn(live)).collect(Collectors.toSet()));
        List<String> notFollowed = LakeScanner.notFollowed(live);
        if (!notFollowed.isEmpty()) {
            ctx.log().println("warning: " + notFollowed.size() + " symbolic links or special files (FIFO, socket, device) under "
                    + live + " are not part of the table: compaction never follows, reads or moves them, e.g. " + notFollowed.get(0)
                    + (notFollowed.get(0).equals(".") ? " (the table folder itself)" : ""));
        }
        if (!outside.isEmpty()) {
            ctx.log().println("warning: " + outside.size() + " Parquet files under " + live + " are in no folder of the form "
                    + String.join("=.../", table.partitionBy()) + "=..., so they are neither compacted nor read by the view, e.g. "
                    + outside.get(0) + "; move them into their partition folders");
        }

        // An earlier attempt's partitions are kept only if it compacted the same way: a key added
        // since, or full: true, must not reuse a tiered compaction (it would leave duplicates).
        String settings = String.join("|", "partition_by=" + table.partitionBy(), "sort_by=" + table.sortBy(), "key=" + table.key(),
                "columns=" + table.columns(), "full=" + config.full(), "target=" + config.targetFileSize(), "row_group=" + config.rowGroupSize());
        earlier = earlier.filter(c -> settings.equals(c.settings()));
        Compaction record = new Compaction(ctx.runId(), table.name(), false, List.of(), List.of(), settings);
        List<String> unchanged = new ArrayList<>();
        long targetBytes = config.targetFileBytes();
        // Unique per compaction, not only per run: a partition compacted again within the same
        // run (after a resume) must never produce a name that is already live.
        String prefix = "part-" + ctx.runId() + "-" + String.format("%06x", new java.security.SecureRandom().nextInt(1 << 24));
        DuckDbSettings duckdb = ctx.pipeline().settings().duckdb();
        Connection connection = null; // opened at the first partition that needs DuckDB: a night with nothing new opens none
        long toDo = config.full() ? partitions.size()
                : partitions.entrySet().stream().filter(e -> !manifest.unchanged(e.getKey().path(), e.getValue())).count();
        int started = 0;
        try {
            Compactor compactor = null;
            for (Map.Entry<Partition, List<LakeFile>> e : partitions.entrySet()) {
                ctx.cancellation().throwIfCancelled();
                Partition p = e.getKey();
                if (!config.full() && manifest.unchanged(p.path(), e.getValue())) {
                    unchanged.add(p.path());
                    continue;
                }
                if (connection == null) {
                    connection = DuckDb.openForLake(duckdb);
                    compactor = new Compactor(connection, Compactor.readOnceBudget(memoryLimitBytes(duckdb)));
                }
                String where = "partition " + (++started) + " of " + toDo + " (" + p.label() + ", " + e.getValue().size() + " files)";
                ctx.progress().accept(where);
                compactor.onProgress(text -> ctx.progress().accept(where + ": " + text));
                Optional<PartitionCompaction> done = earlier.flatMap(c -> c.partition(p.path()))
                        .filter(d -> intact(staged, d) && e.getValue().containsAll(d.inputs()) && e.getValue().containsAll(d.kept()));
                PartitionCompaction result;
                if (done.isPresent()) {
                    result = done.get();
                    ctx.log().println(p.label() + ": already compacted by an earlier attempt, kept");
                } else {
                    List<LakeFile> kept = config.full() ? List.of() : Tiering.keep(connection, compactor::declaredTypes, table, p, live, manifest, e.getValue());
                    List<LakeFile> inputs = e.getValue().stream().filter(f -> !kept.contains(f)).toList();
                    result = compactPartition(ctx, table, compactor, p, live, staged, inputs, prefix, targetBytes, config).besides(kept);
                    ctx.log().println(p.label() + ": " + result.inputs().size() + " files, " + result.rowsIn() + " rows -> "
                            + result.outputs().size() + " files, " + result.rowsOut() + " rows"
                            + (kept.isEmpty() ? "" : " (tiered: beside the " + kept.size() + " compacted files left as they are; "
                            + "the partition is rewritten whole once it would hold more than " + Tiering.MAX_TIERS + ")"));
                    result.drift().forEach(d -> ctx.log().println(p.label() + ": schema drift: " + d));
                    if (io.duckdag.lake.SqlTrace.verboseOn()) {
                        result.inputs().forEach(f -> ctx.log().println(p.label() + ": read " + f.name() + " (" + f.size() + " bytes)"));
                        kept.forEach(f -> ctx.log().println(p.label() + ": kept " + f.name()));
                        result.outputs().forEach(f -> ctx.log().println(p.label() + ": wrote " + f.name() + " (" + f.rows() + " rows, " + f.size() + " bytes)"));
                    }
                    result.quarantined().forEach(q -> ctx.log().println(p.label() + ": " + q.file().name()
                            + " left out, to be moved to the quarantine when the partition is swapped"));
                }
                record = record.with(result);
                record.save(ctx.runDir());
                ctx.failpoints().hit("compact:partition-done:" + table.name());
            }
        } finally {
            if (connection != null) {
                connection.close();
            }
        }
        record = new Compaction(ctx.runId(), table.name(), true, record.partitions(), unchanged, settings);
        record.save(ctx.runDir());
        Map<String, Object> metrics = metrics(record);
        if (!outside.isEmpty()) {
            metrics.put("files_outside_partitions", outside.size());
        }
        return StepResult.of(metrics);
    }

    /**
     * Compacts one partition. When DuckDB fails (its errors often name no file), each input is
     * read on its own to find the files it cannot read; they are named, and then either the step
     * fails (on_unreadable: fail) or the rest is compacted and those files are left for swap to
     * move to the quarantine (on_unreadable: quarantine).
     */
    private static PartitionCompaction compactPartition(StepContext ctx, TableSpec table, Compactor compactor, Partition p, Path live,
                                                        Path staged, List<LakeFile> files, String prefix, long targetBytes,
                                                        Config config) throws Exception {
        String label = "partition " + p.label() + " of " + table.name();
        Path dir = p.dirIn(live);
        try {
            return compactor.compact(table, p, dir, files, p.dirIn(staged), prefix, targetBytes, config.rowGroupSize());
        } catch (SQLException ex) {
            ctx.cancellation().throwIfCancelled();
            String reason = firstLine(ex.getMessage());
            if (Compactor.outOfMemory(reason)) {
                throw outOfMemory(ctx, label, reason);
            }
            if (reason.contains("No space left on device")) {
                throw new StepFailedException("the disk is full while compacting " + label + " into " + p.dirIn(staged)
                        + " (DuckDB said: " + reason + "); free space there (or in settings.duckdb.temp_directory, where DuckDB "
                        + "spills), or point settings.staging at a larger disk of the lake's filesystem, then resume the run; "
                        + "nothing was written to the lake");
            }
            List<UnreadableFile> bad = compactor.unreadable(dir, files);
            if (bad.isEmpty()) {
                throw new StepFailedException("DuckDB could not compact " + label + ": " + reason + "; every input reads on its own, "
                        + "so this is not a damaged file: the step log has the details; nothing was written to the lake");
            }
            bad.forEach(b -> ctx.log().println(p.label() + ": DuckDB cannot read " + dir.resolve(b.file().name()) + ": " + b.error()));
            String named = bad.stream().map(b -> dir.resolve(b.file().name()) + " (" + b.error() + ")").collect(Collectors.joining(", "));
            if (table.onUnreadable() == TableSpec.OnUnreadable.FAIL) {
                throw new StepFailedException(label + ": DuckDB cannot read " + (bad.size() == 1 ? "the file " : bad.size() + " files: ")
                        + named + "; nothing was written. Move it out of the lake or replace it with a good copy, or set "
                        + "'on_unreadable: quarantine' under table " + table.name() + " to have duckdag move unreadable files to "
                        + ctx.pipeline().settings().quarantine() + " and compact the rest");
            }
            List<LakeFile> rest = files.stream().filter(f -> bad.stream().noneMatch(b -> b.file().equals(f))).toList();
            if (rest.isEmpty()) {
                return new PartitionCompaction(p.path(), p.values(), List.of(), List.of(), 0, 0, List.of(), List.of(), bad, List.of());
            }
            PartitionCompaction result;
            try {
                result = compactor.compact(table, p, dir, rest, p.dirIn(staged), prefix, targetBytes, config.rowGroupSize());
            } catch (SQLException again) {
                ctx.cancellation().throwIfCancelled();
                String why = firstLine(again.getMessage());
                throw Compactor.outOfMemory(why) ? outOfMemory(ctx, label, why)
                        : new StepFailedException("DuckDB could not compact " + label + " without its unreadable files: " + why);
            }
            return result.leavingOut(bad);
        }
    }

    /** The memory limit in bytes, 0 (stream every partition) when it is not a size such as 1GB. */
    static long memoryLimitBytes(DuckDbSettings duckdb) {
        try {
            return Nodes.bytes(duckdb.memoryLimit());
        } catch (RuntimeException notASize) {
            return 0;
        }
    }

    private static StepFailedException outOfMemory(StepContext ctx, String label, String reason) {
        DuckDbSettings d = ctx.pipeline().settings().duckdb();
        return new StepFailedException(label + " does not fit in DuckDB's memory (settings.duckdb: memory_limit " + d.memoryLimit()
                + ", threads " + d.threads() + "; DuckDB said: " + reason + "). Raise memory_limit, or lower threads (each thread "
                + "holds its own buffers), then resume the run; nothing was written to the lake");
    }

    /** A lake folder that does not exist is a wrong path far more often than an empty lake. */
    static void requireLake(LakeLayout layout) {
        if (!Files.isDirectory(layout.lake())) {
            throw new StepFailedException("the lake folder " + layout.lake().toAbsolutePath() + " does not exist; check settings.lake "
                    + "(relative paths start from the current directory)");
        }
    }

    /** The staged files an earlier attempt recorded are all there, with their sizes. */
    static boolean intact(Path stagedTable, PartitionCompaction done) {
        Path dir = done.asPartition().dirIn(stagedTable);
        for (StagedFile f : done.outputs()) {
            Path p = dir.resolve(f.name());
            try {
                if (!Files.isRegularFile(p) || Files.size(p) != f.size()) {
                    return false;
                }
            } catch (java.io.IOException e) {
                return false;
            }
        }
        return true;
    }

    static Map<String, Object> metrics(Compaction c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("partitions_rewritten", (int) c.partitions().stream().filter(p -> p.kept().isEmpty()).count());
        m.put("partitions_unchanged", c.unchanged().size());
        m.put("files_in", c.partitions().stream().mapToLong(p -> p.inputs().size()).sum());
        m.put("bytes_in", c.partitions().stream().flatMap(p -> p.inputs().stream()).mapToLong(LakeFile::size).sum());
        m.put("rows_in", c.partitions().stream().mapToLong(PartitionCompaction::rowsIn).sum());
        m.put("files_out", c.partitions().stream().mapToLong(p -> p.outputs().size()).sum());
        m.put("bytes_out", c.partitions().stream().flatMap(p -> p.outputs().stream()).mapToLong(StagedFile::size).sum());
        m.put("rows_out", c.partitions().stream().mapToLong(PartitionCompaction::rowsOut).sum());
        List<String> quarantined = c.partitions().stream()
                .flatMap(p -> p.quarantined().stream().map(q -> p.asPartition().dirIn(Path.of("")).resolve(q.file().name()).toString()))
                .toList();
        if (!quarantined.isEmpty()) {
            m.put("files_quarantined", quarantined.size());
            m.put("quarantined", quarantined);
        }
        long tiered = c.partitions().stream().filter(p -> !p.kept().isEmpty()).count();
        if (tiered > 0) {
            m.put("partitions_tiered", tiered);
        }
        long drift = c.partitions().stream().mapToLong(p -> p.drift().size()).sum();
        if (drift > 0) {
            m.put("schema_drift", drift);
        }
        return m;
    }

    private static String firstLine(String message) {
        return message == null ? "no reason given" : message.strip().lines().findFirst().orElse("no reason given");
    }
}
