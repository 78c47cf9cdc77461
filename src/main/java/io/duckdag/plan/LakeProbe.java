package io.duckdag.plan;

import io.duckdag.pipeline.ExpandedStep;
import io.duckdag.state.StepRecord;
import java.util.Optional;

/**
 * What the planner learns by looking at the disk rather than at the configuration: a
 * fingerprint of a step's inputs (for plan ids), and whether what a succeeded step recorded
 * still holds (checkpoints are checked against the lake, not trusted blindly).
 */
public interface LakeProbe {
    LakeProbe NONE = new LakeProbe() {
    };

    /** A hash of what the step would read, cheap to compute (file listings, footers). */
    default Optional<String> inputFingerprint(ExpandedStep step) {
        return Optional.empty();
    }

    /** Why a recorded success no longer holds (e.g. "staged file x is missing"), if it does not. */
    default Optional<String> staleCheckpoint(ExpandedStep step, StepRecord record) {
        return Optional.empty();
    }
}
