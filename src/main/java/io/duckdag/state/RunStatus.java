package io.duckdag.state;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Where a run stands. A run killed with -9 stays RUNNING in its record; the lock tells it is dead.
 * PARTIAL: every selected step succeeded but --only or --from left others out; it can be resumed.
 */
public enum RunStatus {
    RUNNING, SUCCEEDED, PARTIAL, FAILED, INTERRUPTED;

    @JsonValue
    public String word() {
        return name().toLowerCase();
    }

    @JsonCreator
    public static RunStatus fromWord(String word) {
        return valueOf(word.toUpperCase());
    }
}
