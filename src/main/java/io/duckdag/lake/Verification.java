package io.duckdag.lake;

import io.duckdag.state.RecordFile;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Proof that a table's staged partitions hold exactly the rows their inputs hold, kept in the
 * run's state folder ({@code verify/<table>.json}). Swap puts live only what is listed here,
 * and only if the staged files still have the sizes they had when they were checked.
 */
public record Verification(String runId, String table, List<VerifiedPartition> partitions) {
    private static final RecordFile<Verification> FILE = RecordFile.in("verify", Verification.class);

    public record VerifiedPartition(String partition, long rows, String checksum, long duplicatesRemoved,
                                    List<StagedFile> outputs) {
        public VerifiedPartition {
            outputs = List.copyOf(outputs);
        }
    }

    public Verification {
        partitions = List.copyOf(partitions);
    }

    public static Path file(Path runDir, String table) {
        return FILE.file(runDir, table);
    }

    public static Optional<Verification> load(Path runDir, String table) {
        return FILE.load(runDir, table);
    }

    public void save(Path runDir) {
        FILE.save(runDir, table, this);
    }

    public Optional<VerifiedPartition> partition(String path) {
        return partitions.stream().filter(p -> p.partition().equals(path)).findFirst();
    }
}
