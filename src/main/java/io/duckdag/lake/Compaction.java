package io.duckdag.lake;

import io.duckdag.state.RecordFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The record of one table's compaction in one run, kept in the run's state folder
 * ({@code compact/<table>.json}) and rewritten after every partition, so a compaction that
 * died redoes only the partitions it had not finished. Verify and swap work from it.
 * {@code settings} says how it compacted (key, sort, declared types, sizes, full): a re-run with
 * other settings keeps none of its partitions (null in records of earlier versions: none kept).
 */
public record Compaction(String runId, String table, boolean finished, List<PartitionCompaction> partitions,
                         List<String> unchanged, String settings) {
    private static final RecordFile<Compaction> FILE = RecordFile.in("compact", Compaction.class);

    public Compaction {
        partitions = List.copyOf(partitions);
        unchanged = List.copyOf(unchanged);
    }

    public static Path file(Path runDir, String table) {
        return FILE.file(runDir, table);
    }

    public static Optional<Compaction> load(Path runDir, String table) {
        return FILE.load(runDir, table);
    }

    /** The table's finished compaction of this run, or a message saying which step to run first. */
    public static Compaction finished(Path runDir, String table, String runId, String runFirst) {
        return load(runDir, table).filter(Compaction::finished).orElseThrow(() -> new LakeException("table " + table
                + " has no finished compaction in run " + runId + "; run its " + runFirst + " first"));
    }

    public void save(Path runDir) {
        FILE.save(runDir, table, this);
    }

    public Optional<PartitionCompaction> partition(String path) {
        return partitions.stream().filter(p -> p.partition().equals(path)).findFirst();
    }

    public Compaction with(PartitionCompaction done) {
        List<PartitionCompaction> next = new ArrayList<>(partitions);
        next.removeIf(p -> p.partition().equals(done.partition()));
        next.add(done);
        return new Compaction(runId, table, finished, next, unchanged, settings);
    }
}
