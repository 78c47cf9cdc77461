package io.duckdag.kind;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** What a step reports when it succeeds: metrics such as rows, files, bytes. */
public record StepResult(Map<String, Object> metrics) {
    public StepResult {
        metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    }

    public static StepResult of(Map<String, Object> metrics) {
        return new StepResult(metrics);
    }
}
