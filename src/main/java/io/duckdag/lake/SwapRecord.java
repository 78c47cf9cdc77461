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
 * Which partitions of a table one run put live ({@code swap/<table>.json} in the run's state
 * folder): the files it put there and the files it moved to the backup. Rollback reads it.
 */
public record SwapRecord(String runId, String table, List<SwappedPartition> partitions) {

    /** A live file moved to the backup: its name in the partition and where it went. */
    public record Backup(String name, String path) {
    }

    public record SwappedPartition(String partition, List<LakeFile> live, List<Backup> backedUp) {
        public SwappedPartition {
            live = List.copyOf(live);
            backedUp = List.copyOf(backedUp);
        }
    }

    public SwapRecord {
        partitions = List.copyOf(partitions);
    }

    public static Path file(Path runDir, String table) {
        return runDir.resolve("swap").resolve(table + ".json");
    }

    public static Optional<SwapRecord> load(Path runDir, String table) {
        Path f = file(runDir, table);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(StateJson.MAPPER.readValue(f.toFile(), SwapRecord.class));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f + ": " + e.getMessage(), e);
        }
    }

    public Optional<SwappedPartition> partition(String path) {
        return partitions.stream().filter(p -> p.partition().equals(path)).findFirst();
    }

    public SwapRecord without(String partition) {
        List<SwappedPartition> next = new ArrayList<>(partitions);
        next.removeIf(x -> x.partition().equals(partition));
        return new SwapRecord(runId, table, next);
    }

    public SwapRecord with(SwappedPartition p) {
        List<SwappedPartition> next = new ArrayList<>(partitions);
        next.removeIf(x -> x.partition().equals(p.partition()));
        next.add(p);
        return new SwapRecord(runId, table, next);
    }

    public String json() {
        try {
            return StateJson.MAPPER.writeValueAsString(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void save(Path runDir) {
        DurableFiles.writeAtomically(file(runDir, table), json().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
