package io.duckdag.state;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Where one step of a run stands. */
public enum StepStatus {
    PENDING, RUNNING, SUCCEEDED, FAILED, SKIPPED, UPSTREAM_FAILED, INTERRUPTED;

    /** Downstream steps may start after a step that ended this way. */
    public boolean letsDownstreamRun() {
        return this == SUCCEEDED || this == SKIPPED;
    }

    @JsonValue
    public String word() {
        return name().toLowerCase();
    }

    @JsonCreator
    public static StepStatus fromWord(String word) {
        return valueOf(word.toUpperCase());
    }
}
