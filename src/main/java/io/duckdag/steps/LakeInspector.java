package io.duckdag.steps;

import io.duckdag.lake.Compaction;
import io.duckdag.lake.Compactor;
import io.duckdag.lake.DuckDb;
import io.duckdag.lake.KeyColumns;
import io.duckdag.lake.LakeFile;
import io.duckdag.lake.LakeLayout;
import io.duckdag.lake.LakeScanner;
import io.duckdag.lake.Partition;
import io.duckdag.lake.PartitionCompaction;
import io.duckdag.lake.StagedFile;
import io.duckdag.lake.SwapRecord;
import io.duckdag.lake.TableManifest;
import io.duckdag.lake.TableSql;
import io.duckdag.lake.Tiering;
import io.duckdag.lake.Verification;
import io.duckdag.pipeline.ExpandedStep;
import io.duckdag.pipeline.Pipeline;
import io.duckdag.pipeline.StepConfig;
import io.duckdag.pipeline.TableSpec;
import io.duckdag.plan.Fingerprints;
import io.duckdag.plan.Impact;
import io.duckdag.plan.LakeProbe;
import io.duckdag.state.RunStore;
import io.duckdag.state.StepRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The planner's eyes on the lake: from file listings, the manifests and Parquet footers only,
 * it tells what each lake step would change, fingerprints what compaction would read, and
 * checks that what a succeeded lake step recorded is still on disk.
 */
public final class LakeInspector implements LakeProbe {
    private final Pipeline pipeline;
    private final LakeLayout layout;
    private final RunStore store;
    /** One listing per table and probe: a plan asks about each table for compact, verify and swap. */
    private final Map<String, Changes> listed = new java.util.HashMap<>();
    /** Per table, the partitions compaction would compact tiered, with the files they keep. */
    private final Map<String, Map<Partition, List<LakeFile>>> tiering = new java.util.HashMap<>();

    public LakeInspector(Pipeline pipeline) {
        this.pipeline = pipeline;
        this.layout = LakeLayout.of(pipeline);
        this.store = new RunStore(pipeline.settings().stateDir(), pipeline.name());
    }

    @Override
    public Optional<String> inputFingerprint(ExpandedStep step, String runId) {
        if (step.config() instanceof StepConfig.Compact c) {
            Map<String, Object> listing = new LinkedHashMap<>();
            LakeScanner.scan(layout.liveTable(c.table()), table(c.table())).forEach((p, files) -> listing.put(p.path(), files));
            return Optional.of(Fingerprints.of(listing));
        }
        return Optional.empty();
    }

    @Override
    public Impact impact(ExpandedStep step, String runId) {
        StepConfig config = step.config();
        boolean lakeStep = config instanceof StepConfig.Compact || config instanceof StepConfig.Verify
                || config instanceof StepConfig.Swap || config instanceof StepConfig.SyncMetadata;
        if (lakeStep && !Files.isDirectory(layout.lake())) {
            return Impact.of(List.of("the lake folder " + layout.lake() + " does not exist (yet)"));
        }
        if (config instanceof StepConfig.Compact c) {
            Changes ch = changes(c.table(), c.full());
            if (ch.rewrite.isEmpty()) {
                return new Impact(List.of("no partition changed since the last compaction (" + ch.unchanged + " unchanged): nothing to rewrite"),
                        numbers("partitions", 0, "partitions_tiered", 0, "partitions_unchanged", ch.unchanged, "files", 0, "bytes", 0, "rows", 0));
            }
            Map<Partition, List<LakeFile>> tiered = tiered(c.table(), c.full());
            Map<Partition, List<LakeFile>> whole = new LinkedHashMap<>(ch.rewrite);
            whole.keySet().removeAll(tiered.keySet());
            Map<Partition, List<LakeFile>> inputs = inputs(ch, tiered);
            List<LakeFile> files = inputs.values().stream().flatMap(List::stream).toList();
            long bytes = files.stream().mapToLong(LakeFile::size).sum();
            Rows footer = footerRows(c.table(), inputs);
            String rows = footer.text();
            boolean keyed = !table(c.table()).key().isEmpty();
            long kept = tiered.values().stream().mapToLong(List::size).sum();
            Map<String, Long> numbers = numbers("partitions", ch.rewrite.size(), "partitions_tiered", tiered.size(),
                    "partitions_unchanged", ch.unchanged, "files", files.size(), "bytes", bytes);
            if (footer.count() != null) {
                numbers.put("rows", footer.count());
            }
            return new Impact(List.of(
                    "partitions to rewrite: " + whole.size() + (whole.isEmpty() ? "" : " (" + labels(whole) + ")")
                            + (tiered.isEmpty() ? "" : "; tiered: " + tiered.size() + " (" + labels(tiered) + "), only their new files, "
                            + "compacted into one more sorted file beside the " + kept + " compacted files they keep")
                            + "; unchanged, skipped: " + ch.unchanged,
                    "in: " + files.size() + " files, " + human(bytes) + ", " + rows + " rows (from footers)",
                    "out: about " + ch.rewrite.size() + " files, " + (keyed ? "at most " : "") + rows + " rows"
                            + (keyed ? " (duplicate keys collapse)" : "") + ", sorted, zstd"), numbers);
        }
        if (config instanceof StepConfig.Verify v) {
            Changes ch = changes(v.table(), false);
            return new Impact(List.of("checks " + ch.rewrite.size() + " partitions (row count, checksum, columns, order, readability)"),
                    numbers("partitions", ch.rewrite.size()));
        }
        if (config instanceof StepConfig.Swap s) {
            Changes ch = changes(s.table(), false);
            long files = inputs(ch, tiered(s.table(), false)).values().stream().mapToLong(List::size).sum();
            return new Impact(List.of("puts " + ch.rewrite.size() + " partitions live and moves their " + files + " current files to "
                    + layout.backupTable(runId, s.table()) + "; files that arrive meanwhile stay live"),
                    numbers("partitions", ch.rewrite.size(), "files", files));
        }
        if (config instanceof StepConfig.SyncMetadata m) {
            List<String> views = new ArrayList<>();
            try {
                for (String t : step.with().containsKey("tables") ? m.tables() : SyncMetadataStep.tablesInLake(layout.lake())) {
                    views.add(t);
                }
            } catch (java.io.IOException e) {
                return Impact.of(List.of("the lake cannot be listed: " + e.getMessage()));
            }
            if (views.isEmpty()) {
                return new Impact(List.of("no table in the lake has files yet: no view to create"), numbers("views", 0));
            }
            boolean narrowed = step.with().containsKey("tables");
            Optional<String> inputs = SyncMetadataStep.stampInputs(pipeline, narrowed, views);
            if (inputs.isPresent() && ViewStamp.load(ViewStamp.file(store.root(), step.id()))
                    .filter(v -> v.holds(inputs.get(), layout.metadataDb())).isPresent()) {
                return new Impact(List.of("the views " + String.join(", ", views) + " in " + layout.metadataDb() + " are as the last sync wrote them"
                        + " and nothing below their table folders changed: nothing to write (unless a step before it changes the lake)"),
                        numbers("views", 0));
            }
            return new Impact(List.of("views to create or replace in " + layout.metadataDb() + ": " + String.join(", ", views)),
                    numbers("views", views.size()));
        }
        return Impact.NONE;
    }

    /** {@code numbers("partitions", 3, "files", 7)}: names and counts, in that order. */
    private static Map<String, Long> numbers(Object... namesAndCounts) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (int i = 0; i < namesAndCounts.length; i += 2) {
            out.put((String) namesAndCounts[i], ((Number) namesAndCounts[i + 1]).longValue());
        }
        return out;
    }

    @Override
    public Optional<Path> missingLake() {
        return Files.isDirectory(layout.lake()) ? Optional.empty() : Optional.of(layout.lake());
    }

    @Override
    public List<String> missingColumns(List<TableSpec> tables) {
        List<TableSpec> withFiles = tables.stream().filter(t -> !t.sortBy().isEmpty() || !t.key().isEmpty())
                .filter(t -> Files.isDirectory(layout.liveTable(t.name()))).toList();
        if (withFiles.isEmpty()) {
            return List.of();
        }
        List<String> problems = new ArrayList<>();
        try (Connection c = DuckDb.open(Optional.empty(), pipeline.settings().duckdb())) {
            for (TableSpec t : withFiles) {
                problems.addAll(KeyColumns.missing(c, t, layout.liveTable(t.name())));
            }
        } catch (Exception e) {
            return List.of(); // no check rather than a false one: compaction checks each partition again
        }
        return problems;
    }

    @Override
    public Optional<String> staleCheckpoint(ExpandedStep step, StepRecord record, String runId) {
        Path runDir = store.runDir(runId);
        StepConfig config = step.config();
        if (config instanceof StepConfig.Compact c) {
            Optional<Compaction> compaction = Compaction.load(runDir, c.table()).filter(Compaction::finished);
            if (compaction.isEmpty()) {
                return Optional.of("its compaction record of run " + runId + " is missing");
            }
            Optional<String> missing = missingOutputs(c.table(), runDir, compaction.get().partitions().stream()
                    .map(p -> Map.entry(p.partition(), p.outputs())).toList());
            return missing.isPresent() ? missing : changedInputs(c.table(), runDir, compaction.get());
        }
        if (config instanceof StepConfig.Verify v) {
            Optional<Verification> verification = Verification.load(runDir, v.table());
            if (verification.isEmpty()) {
                return Optional.of("its verification record of run " + runId + " is missing");
            }
            return missingOutputs(v.table(), runDir, verification.get().partitions().stream()
                    .map(p -> Map.entry(p.partition(), p.outputs())).toList());
        }
        if (config instanceof StepConfig.Swap s) {
            Optional<SwapRecord> swap = SwapRecord.load(runDir, s.table());
            Optional<Compaction> compaction = Compaction.load(runDir, s.table());
            if (compaction.isPresent() && !compaction.get().partitions().isEmpty() && swap.isEmpty()) {
                return Optional.of("its swap record of run " + runId + " is missing");
            }
            for (SwapRecord.SwappedPartition p : swap.map(SwapRecord::partitions).orElse(List.of())) {
                Path dir = new Partition(Map.of(), p.partition()).dirIn(layout.liveTable(s.table()));
                for (LakeFile f : p.live()) {
                    if (!sameSize(dir.resolve(f.name()), f.size())) {
                        return Optional.of("live partition " + p.partition() + " of " + s.table() + " no longer holds " + f.name());
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** An input of a partition not yet swapped that is no longer live as compaction read it. */
    private Optional<String> changedInputs(String table, Path runDir, Compaction compaction) {
        Optional<SwapRecord> swap = SwapRecord.load(runDir, table);
        for (PartitionCompaction p : compaction.partitions()) {
            if (swap.flatMap(s -> s.partition(p.partition())).isPresent()) {
                continue;
            }
            List<LakeFile> now = LakeScanner.files(p.asPartition().dirIn(layout.liveTable(table)));
            for (LakeFile input : p.inputs()) {
                if (!now.contains(input)) {
                    return Optional.of("input " + input.name() + " of partition " + p.partition() + " was removed or re-written since compaction read it");
                }
            }
            for (LakeFile k : p.kept()) {
                if (!now.contains(k)) {
                    return Optional.of("compacted file " + k.name() + " of partition " + p.partition()
                            + ", which this compaction builds on, was removed or re-written since");
                }
            }
            for (io.duckdag.lake.UnreadableFile q : p.quarantined()) {
                if (!now.contains(q.file())) {
                    return Optional.of("unreadable file " + q.file().name() + " of partition " + p.partition()
                            + " was removed or re-written since compaction set it aside");
                }
            }
        }
        return Optional.empty();
    }

    /** The first recorded output that is neither staged nor (once swapped) live with its recorded size. */
    private Optional<String> missingOutputs(String table, Path runDir, List<Map.Entry<String, List<StagedFile>>> partitions) {
        Optional<SwapRecord> swap = SwapRecord.load(runDir, table);
        for (Map.Entry<String, List<StagedFile>> p : partitions) {
            boolean swapped = swap.flatMap(s -> s.partition(p.getKey())).isPresent();
            Path base = swapped ? layout.liveTable(table) : layout.stagedTable(runDirName(runDir), table);
            Path dir = new Partition(Map.of(), p.getKey()).dirIn(base);
            for (StagedFile f : p.getValue()) {
                if (!sameSize(dir.resolve(f.name()), f.size())) {
                    return Optional.of((swapped ? "live" : "staged") + " file " + dir.resolve(f.name()) + " is missing or changed");
                }
            }
        }
        return Optional.empty();
    }

    private static String runDirName(Path runDir) {
        return runDir.getFileName().toString();
    }

    private static boolean sameSize(Path file, long size) {
        try {
            return Files.isRegularFile(file) && Files.size(file) == size;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private record Changes(Map<Partition, List<LakeFile>> rewrite, int unchanged) {
    }

    private Changes changes(String tableName, boolean full) {
        return listed.computeIfAbsent(tableName + (full ? "/full" : ""), k -> list(tableName, full));
    }

    private Changes list(String tableName, boolean full) {
        TableSpec t = table(tableName);
        TableManifest manifest = TableManifest.load(store.root(), tableName);
        Map<Partition, List<LakeFile>> rewrite = new LinkedHashMap<>();
        int unchanged = 0;
        for (Map.Entry<Partition, List<LakeFile>> e : LakeScanner.scan(layout.liveTable(tableName), t).entrySet()) {
            if (!full && manifest.unchanged(e.getKey().path(), e.getValue())) {
                unchanged++;
            } else {
                rewrite.put(e.getKey(), e.getValue());
            }
        }
        return new Changes(rewrite, unchanged);
    }

    /** What compaction would read of each changed partition: all its files, or only the new ones of a tiered one. */
    private static Map<Partition, List<LakeFile>> inputs(Changes ch, Map<Partition, List<LakeFile>> tiered) {
        Map<Partition, List<LakeFile>> out = new LinkedHashMap<>();
        ch.rewrite.forEach((p, files) -> out.put(p, files.stream().filter(f -> !tiered.getOrDefault(p, List.of()).contains(f)).toList()));
        return out;
    }

    /**
     * The changed partitions compaction would compact tiered, each with the compacted files it
     * would keep, decided by {@link Tiering} as compaction decides it. DuckDB reads footers only
     * when the listings leave a partition that could be tiered, and only that partition's.
     */
    private Map<Partition, List<LakeFile>> tiered(String tableName, boolean full) {
        if (full) {
            return Map.of();
        }
        return tiering.computeIfAbsent(tableName, k -> {
            TableSpec t = table(tableName);
            TableManifest manifest = TableManifest.load(store.root(), tableName);
            Map<Partition, List<LakeFile>> candidates = new LinkedHashMap<>();
            changes(tableName, false).rewrite.forEach((p, files) -> {
                if (!Tiering.candidate(t, manifest, p, files).isEmpty()) {
                    candidates.put(p, files);
                }
            });
            if (candidates.isEmpty()) {
                return Map.of();
            }
            Map<Partition, List<LakeFile>> out = new LinkedHashMap<>();
            try (Connection c = DuckDb.openForLake(pipeline.settings().duckdb())) {
                for (Map.Entry<Partition, List<LakeFile>> e : candidates.entrySet()) {
                    List<LakeFile> kept = Tiering.keep(c, spec -> Compactor.declaredTypes(c, spec), t, e.getKey(),
                            layout.liveTable(tableName), manifest, e.getValue());
                    if (!kept.isEmpty()) {
                        out.put(e.getKey(), kept);
                    }
                }
            } catch (Exception e) {
                return Map.of(); // compaction would then rewrite them whole, and name what it could not read
            }
            return out;
        });
    }

    /** Rows from footers: a count, or (count null) why there is none. */
    private record Rows(Long count, String text) {
    }

    /** Rows in the footers of these files; a footer that cannot be read is reported, not thrown. */
    private Rows footerRows(String table, Map<Partition, List<LakeFile>> partitions) {
        List<Path> files = new ArrayList<>();
        partitions.forEach((p, list) -> list.forEach(f -> files.add(p.dirIn(layout.liveTable(table)).resolve(f.name()).toAbsolutePath())));
        if (files.isEmpty()) {
            return new Rows(0L, "0");
        }
        try (Connection c = DuckDb.open(Optional.empty(), pipeline.settings().duckdb());
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT sum(num_rows) FROM parquet_file_metadata(" + TableSql.fileList(files) + ")")) {
            rs.next();
            long rows = rs.getLong(1);
            return new Rows(rows, Long.toString(rows));
        } catch (Exception e) {
            return new Rows(null, "unknown (a footer could not be read: " + String.valueOf(e.getMessage()).lines().findFirst().orElse("") + ")");
        }
    }

    private TableSpec table(String name) {
        return pipeline.table(name).orElseThrow();
    }

    private static String labels(Map<Partition, List<LakeFile>> partitions) {
        List<String> names = partitions.keySet().stream().map(Partition::label).toList();
        return names.size() <= 6 ? String.join(", ", names) : String.join(", ", names.subList(0, 6)) + ", ...";
    }

    static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int i = -1;
        while (v >= 1024 && i < units.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format("%.1f %s", v, units[i]);
    }
}
