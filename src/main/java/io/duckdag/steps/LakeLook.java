package io.duckdag.steps;

import io.duckdag.kind.Impact;
import io.duckdag.kind.PlanContext;
import io.duckdag.lake.Compaction;
import io.duckdag.lake.Compactor;
import io.duckdag.lake.DuckDb;
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
import io.duckdag.pipeline.Pipeline;
import io.duckdag.pipeline.TableSpec;
import io.duckdag.state.Hashes;
import io.duckdag.state.RunStore;
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
 * What the lake steps see of the lake while a plan is made, from file listings, the manifests
 * and Parquet footers only, with one listing per table for the whole plan: which partitions
 * changed since the last compaction, which of them compaction would tier, the rows their
 * footers hold, and whether what a step recorded is still on disk.
 */
final class LakeLook {
    private final Pipeline pipeline;
    private final LakeLayout layout;
    private final RunStore store;
    /** One listing per table and probe: a plan asks about each table for compact, verify and swap. */
    private final Map<String, Changes> listed = new java.util.HashMap<>();
    /** Per table, the partitions compaction would compact tiered, with the files they keep. */
    private final Map<String, Map<Partition, List<LakeFile>>> tiering = new java.util.HashMap<>();

    /** The one of this plan. */
    static LakeLook of(PlanContext context) {
        return context.memo(LakeLook.class.getName(), () -> new LakeLook(context.pipeline()));
    }

    private LakeLook(Pipeline pipeline) {
        this.pipeline = pipeline;
        this.layout = LakeLayout.of(pipeline);
        this.store = new RunStore(pipeline.settings().stateDir(), pipeline.name());
    }

    Pipeline pipeline() {
        return pipeline;
    }

    LakeLayout layout() {
        return layout;
    }

    RunStore store() {
        return store;
    }

    /** What a lake step says when there is no lake folder to look at; empty when there is. */
    Optional<Impact> noLake() {
        return Files.isDirectory(layout.lake()) ? Optional.empty()
                : Optional.of(Impact.of(List.of("the lake folder " + layout.lake() + " does not exist (yet)")));
    }

    /**
     * The fingerprint of a step that works on one table: the table's layout and the folders
     * it uses, so that changing sort_by re-runs compaction.
     */
    static void tableFingerprint(String table, Pipeline pipeline, Map<String, Object> into) {
        TableSpec t = pipeline.table(table).orElseThrow();
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("name", t.name());
        spec.put("partition_by", t.partitionBy());
        spec.put("sort_by", t.sortBy());
        spec.put("key", t.key());
        // Only when set, so that fingerprints recorded before these keys existed still match.
        if (!t.columns().isEmpty()) {
            spec.put("columns", t.columns());
        }
        if (t.onUnreadable() != TableSpec.OnUnreadable.FAIL) {
            spec.put("on_unreadable", t.onUnreadable().yamlName());
            spec.put("quarantine", pipeline.settings().quarantine().toString());
        }
        into.put("table", spec);
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("lake", pipeline.settings().lake().toString());
        settings.put("staging", pipeline.settings().staging().toString());
        settings.put("backups", pipeline.settings().backups().toString());
        into.put("settings", settings);
    }

    /** A hash of the live files of a table, partition by partition. */
    String listingFingerprint(String tableName) {
        Map<String, Object> listing = new LinkedHashMap<>();
        LakeScanner.scan(layout.liveTable(tableName), table(tableName)).forEach((p, files) -> listing.put(p.path(), files));
        return Hashes.of(listing);
    }

    /** What compaction would read, partition by partition: all files, or only the new ones of a tiered partition. */
    Map<Partition, List<LakeFile>> inputsOf(String tableName, boolean full) {
        return inputs(changes(tableName, full), tiered(tableName, full));
    }

    /** {@code numbers("partitions", 3, "files", 7)}: names and counts, in that order. */
    static Map<String, Long> numbers(Object... namesAndCounts) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (int i = 0; i < namesAndCounts.length; i += 2) {
            out.put((String) namesAndCounts[i], ((Number) namesAndCounts[i + 1]).longValue());
        }
        return out;
    }

    /** An input of a partition not yet swapped that is no longer live as compaction read it. */
    Optional<String> changedInputs(String table, Path runDir, Compaction compaction) {
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
    Optional<String> missingOutputs(String table, Path runDir, List<Map.Entry<String, List<StagedFile>>> partitions) {
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

    static boolean sameSize(Path file, long size) {
        try {
            return Files.isRegularFile(file) && Files.size(file) == size;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    record Changes(Map<Partition, List<LakeFile>> rewrite, int unchanged) {
    }

    Changes changes(String tableName, boolean full) {
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
    Map<Partition, List<LakeFile>> tiered(String tableName, boolean full) {
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
    record Rows(Long count, String text) {
    }

    /** Rows in the footers of these files; a footer that cannot be read is reported, not thrown. */
    Rows footerRows(String table, Map<Partition, List<LakeFile>> partitions) {
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

    static String labels(Map<Partition, List<LakeFile>> partitions) {
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
