package io.duckdag.steps;

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
import io.duckdag.pipeline.Nodes;
import io.duckdag.pipeline.StepConfig;
import io.duckdag.pipeline.TableSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Rewrites the partitions of one table that changed since duckdag last put compacted data
 * there (all of them with {@code full: true}) into {@code <staging>/<run>/<table>}. The lake
 * is only read. Which files were read, and what was written, is recorded per partition as it
 * finishes, so a re-run after a crash keeps the partitions already done.
 */
public final class CompactStep implements StepExecutor {

    @Override
    public StepResult execute(StepContext ctx) throws Exception {
        StepConfig.Compact config = (StepConfig.Compact) ctx.step().config();
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

        Compaction record = new Compaction(ctx.runId(), table.name(), false, List.of(), List.of());
        List<String> unchanged = new ArrayList<>();
        long targetBytes = Nodes.bytes(config.targetFileSize());
        // Unique per compaction, not only per run: a partition compacted again within the same
        // run (after a resume) must never produce a name that is already live.
        String prefix = "part-" + ctx.runId() + "-" + String.format("%06x", new java.security.SecureRandom().nextInt(1 << 24));
        try (Connection connection = DuckDb.open(Optional.empty(), ctx.pipeline().settings().duckdb())) {
            Compactor compactor = new Compactor(connection);
            for (Map.Entry<Partition, List<LakeFile>> e : partitions.entrySet()) {
                ctx.cancellation().throwIfCancelled();
                Partition p = e.getKey();
                if (!config.full() && manifest.unchanged(p.path(), e.getValue())) {
                    unchanged.add(p.path());
                    continue;
                }
                Optional<PartitionCompaction> done = earlier.flatMap(c -> c.partition(p.path()))
                        .filter(d -> intact(staged, d) && e.getValue().containsAll(d.inputs()));
                PartitionCompaction result;
                if (done.isPresent()) {
                    result = done.get();
                    ctx.log().println(p.label() + ": already compacted by an earlier attempt, kept");
                } else {
                    try {
                        result = compactor.compact(table, p, p.dirIn(live), e.getValue(), p.dirIn(staged), prefix,
                                targetBytes, config.rowGroupSize());
                    } catch (SQLException ex) {
                        ctx.cancellation().throwIfCancelled();
                        throw new StepFailedException("DuckDB could not compact partition " + p.label() + " of " + table.name()
                                + ": " + firstLine(ex.getMessage()));
                    }
                    ctx.log().println(p.label() + ": " + result.inputs().size() + " files, " + result.rowsIn() + " rows -> "
                            + result.outputs().size() + " files, " + result.rowsOut() + " rows");
                    result.drift().forEach(d -> ctx.log().println(p.label() + ": schema drift: " + d));
                }
                record = record.with(result);
                record.save(ctx.runDir());
                ctx.failpoints().hit("compact:partition-done:" + table.name());
            }
        }
        record = new Compaction(ctx.runId(), table.name(), true, record.partitions(), unchanged);
        record.save(ctx.runDir());
        return StepResult.of(metrics(record));
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
        m.put("partitions_rewritten", c.partitions().size());
        m.put("partitions_unchanged", c.unchanged().size());
        m.put("files_in", c.partitions().stream().mapToLong(p -> p.inputs().size()).sum());
        m.put("bytes_in", c.partitions().stream().flatMap(p -> p.inputs().stream()).mapToLong(LakeFile::size).sum());
        m.put("rows_in", c.partitions().stream().mapToLong(PartitionCompaction::rowsIn).sum());
        m.put("files_out", c.partitions().stream().mapToLong(p -> p.outputs().size()).sum());
        m.put("bytes_out", c.partitions().stream().flatMap(p -> p.outputs().stream()).mapToLong(StagedFile::size).sum());
        m.put("rows_out", c.partitions().stream().mapToLong(PartitionCompaction::rowsOut).sum());
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
