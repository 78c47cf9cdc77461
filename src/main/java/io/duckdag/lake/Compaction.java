package io.duckdag.lake;

import io.duckdag.state.DurableFiles;
import io.duckdag.state.StateJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The record of one table's compaction in one run, kept in the run's state folder
 * ({@code compact/<table>.json}) and rewritten after every partition, so a compaction that
 * died redoes only the partitions it had not finished. Verify and swap work from it.
 */
public record Compaction(String runId, String table, boolean finished, List<PartitionCompaction> partitions,
                         List<String> unchanged) {

    public Compaction {
        partitions = List.copyOf(partitions);
        unchanged = List.copyOf(unchanged);
    }

    public static Path file(Path runDir, String table) {
        return runDir.resolve("compact").resolve(table + ".json");
    }

    public static Optional<Compaction> load(Path runDir, String table) {
        Path f = file(runDir, table);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(StateJson.MAPPER.readValue(f.toFile(), Compaction.class));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f + ": " + e.getMessage(), e);
        }
    }

    public void save(Path runDir) {
        try {
            DurableFiles.writeAtomically(file(runDir, table), StateJson.MAPPER.writeValueAsBytes(this));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Optional<PartitionCompaction> partition(String path) {
        return partitions.stream().filter(p -> p.partition().equals(path)).findFirst();
    }

    public Compaction with(PartitionCompaction done) {
        List<PartitionCompaction> next = new ArrayList<>(partitions);
        next.removeIf(p -> p.partition().equals(done.partition()));
        next.add(done);
        return new Compaction(runId, table, finished, next, unchanged);
    }
}
