package io.duckdag.lake;

import io.duckdag.state.RecordFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Which partitions of a table one run put live ({@code swap/<table>.json} in the run's state
 * folder): the files it put there and the files it moved to the backup or the quarantine. Rollback reads it.
 */
public record SwapRecord(String runId, String table, List<SwappedPartition> partitions) {
    private static final RecordFile<SwapRecord> FILE = RecordFile.in("swap", SwapRecord.class);

    /** A live file moved to the backup: its name in the partition and where it went. */
    public record Backup(String name, String path) {
    }

    /**
     * @param quarantined unreadable files moved to the quarantine folder (absent in records of
     *                    earlier versions); rollback puts them back like the backups
     */
    public record SwappedPartition(String partition, List<LakeFile> live, List<Backup> backedUp, List<Backup> quarantined) {
        public SwappedPartition {
            live = List.copyOf(live);
            backedUp = List.copyOf(backedUp);
            quarantined = quarantined == null ? List.of() : List.copyOf(quarantined);
        }

        /** Every file this swap moved out of the live partition, to the backup or the quarantine. */
        public List<Backup> movedOut() {
            List<Backup> all = new ArrayList<>(backedUp);
            all.addAll(quarantined);
            return all;
        }
    }

    public SwapRecord {
        partitions = List.copyOf(partitions);
    }

    public static Path file(Path runDir, String table) {
        return FILE.file(runDir, table);
    }

    public static Optional<SwapRecord> load(Path runDir, String table) {
        return FILE.load(runDir, table);
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
        return FILE.json(this);
    }

    public void save(Path runDir) {
        FILE.save(runDir, table, this);
    }
}
