package io.duckdag.state;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One step of a run as recorded on disk. Times are ISO-8601 instants (null until known).
 * {@code configFingerprint} hashes the step's resolved configuration, {@code upstreamFingerprint}
 * the results of the steps it depends on, {@code resultFingerprint} this step's own result
 * (it changes whenever the step runs again, so its dependents run again too).
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
        Long pid) {

    public StepRecord {
        config = config == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(config));
        metrics = metrics == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    }

    public static StepRecord pending(String id, String configFingerprint, Map<String, Object> config) {
        return new StepRecord(id, StepStatus.PENDING, null, 0, null, null, configFingerprint, config, null, null, Map.of(), null, null);
    }

    public StepRecord withStatus(StepStatus newStatus, String newReason) {
        return new StepRecord(id, newStatus, newReason, attempts, startedAt, endedAt, configFingerprint, config,
                upstreamFingerprint, resultFingerprint, metrics, error, pid);
    }

    public StepRecord started(int attempt, String at, String upstream) {
        return new StepRecord(id, StepStatus.RUNNING, reason, attempt, at, null, configFingerprint, config,
                upstream, null, Map.of(), null, null);
    }

    public StepRecord withPid(Long newPid) {
        return new StepRecord(id, status, reason, attempts, startedAt, endedAt, configFingerprint, config,
                upstreamFingerprint, resultFingerprint, metrics, error, newPid);
    }

    public StepRecord ended(StepStatus newStatus, String at, String result, Map<String, Object> newMetrics, String newError) {
        return new StepRecord(id, newStatus, reason, attempts, startedAt, at, configFingerprint, config,
                upstreamFingerprint, result, newMetrics, newError, null);
    }
}
