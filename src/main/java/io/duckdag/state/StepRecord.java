package io.duckdag.state;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One step of a run as recorded on disk. Times are ISO-8601 instants (null until known).
 * {@code configFingerprint} hashes the step's resolved configuration, {@code upstreamFingerprint}
 * the results of the steps it depends on, {@code resultFingerprint} this step's own result
 * (it changes whenever the step runs again, so its dependents run again too).
 * {@code outputTail} is what the step's command last wrote when it failed (a few cleaned lines,
 * absent from records written before it existed and from steps that did not fail).
 */
public record StepRecord(
        String id,
        StepStatus status,
        String reason,
        int attempts,
        String startedAt,
        String endedAt,
        String configFingerprint,
        Map<String, Object> config,
        String upstreamFingerprint,
        String resultFingerprint,
        Map<String, Object> metrics,
        String error,
        Long pid,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> outputTail) {

    public StepRecord {
        outputTail = outputTail == null ? List.of() : List.copyOf(outputTail);
        config = config == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(config));
        metrics = metrics == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    }

    public static StepRecord pending(String id, String configFingerprint, Map<String, Object> config) {
        return new StepRecord(id, StepStatus.PENDING, null, 0, null, null, configFingerprint, config, null, null, Map.of(), null, null, List.of());
    }

    public StepRecord withStatus(StepStatus newStatus, String newReason) {
        return new StepRecord(id, newStatus, newReason, attempts, startedAt, endedAt, configFingerprint, config,
                upstreamFingerprint, resultFingerprint, metrics, error, pid, outputTail);
    }

    public StepRecord started(int attempt, String at, String upstream) {
        return new StepRecord(id, StepStatus.RUNNING, reason, attempt, at, null, configFingerprint, config,
                upstream, null, Map.of(), null, null, List.of());
    }

    public StepRecord withPid(Long newPid) {
        return new StepRecord(id, status, reason, attempts, startedAt, endedAt, configFingerprint, config,
                upstreamFingerprint, resultFingerprint, metrics, error, newPid, outputTail);
    }

    public StepRecord ended(StepStatus newStatus, String at, String result, Map<String, Object> newMetrics, String newError) {
        return ended(newStatus, at, result, newMetrics, newError, List.of());
    }

    public StepRecord ended(StepStatus newStatus, String at, String result, Map<String, Object> newMetrics, String newError,
                            List<String> newOutputTail) {
        return new StepRecord(id, newStatus, reason, attempts, startedAt, at, configFingerprint, config,
                upstreamFingerprint, result, newMetrics, newError, null, newOutputTail);
    }
}
