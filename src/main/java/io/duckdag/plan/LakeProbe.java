package io.duckdag.plan;

import io.duckdag.pipeline.ExpandedStep;
import io.duckdag.pipeline.TableSpec;
import io.duckdag.state.StepRecord;
import java.util.List;
import java.util.Optional;

/**
 * What the planner learns by looking at the disk rather than at the configuration, cheaply
 * (file listings and Parquet footers, never a scan of the data): a fingerprint of what a step
 * would read (for plan ids), what it would change, and whether what a succeeded step recorded
 * still holds (checkpoints are checked against the lake, not trusted blindly).
 */
public interface LakeProbe {
    LakeProbe NONE = new LakeProbe() {
    };

    /** A hash of what the step would read. */
    default Optional<String> inputFingerprint(ExpandedStep step, String runId) {
        return Optional.empty();
    }

    /** What the step would change: partitions, files, bytes, rows, views, in lines and as numbers. */
    default Impact impact(ExpandedStep step, String runId) {
        return Impact.NONE;
    }

    /** The lake folder, when it does not exist. */
    default Optional<java.nio.file.Path> missingLake() {
        return Optional.empty();
    }

    /**
     * One sentence per column that these tables' sort_by or key name and none of their files has
     * (from footers; nothing for a table without files).
     */
    default List<String> missingColumns(List<TableSpec> tables) {
        return List.of();
    }

    /** Why a recorded success no longer holds (e.g. "staged file x is missing"), if it does not. */
    default Optional<String> staleCheckpoint(ExpandedStep step, StepRecord record, String runId) {
        return Optional.empty();
    }
}
