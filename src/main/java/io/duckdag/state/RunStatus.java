package io.duckdag.state;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Where a run stands. A run killed with -9 stays RUNNING in its record; the lock tells it is dead. */
public enum RunStatus {
    RUNNING, SUCCEEDED, FAILED, INTERRUPTED;

    @JsonValue
    public String word() {
        return name().toLowerCase();
    }

    @JsonCreator
    public static RunStatus fromWord(String word) {
        return valueOf(word.toUpperCase());
    }
}
