package io.duckdag.state;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A run as recorded in {@code <state_dir>/<pipeline>/runs/<run id>/run.json}. */
public record RunRecord(
        String runId,
        String pipeline,
        String file,
        String pipelineSha256,
        Map<String, String> params,
        String runDate,
        RunStatus status,
        String startedAt,
        String endedAt,
        List<String> resumedAt,
        Map<String, StepRecord> steps) {

    public RunRecord {
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        resumedAt = List.copyOf(resumedAt == null ? List.of() : resumedAt);
        steps = Collections.unmodifiableMap(new LinkedHashMap<>(steps));
    }

    public Optional<StepRecord> step(String id) {
        return Optional.ofNullable(steps.get(id));
    }

    public RunRecord withStep(StepRecord step) {
        Map<String, StepRecord> copy = new LinkedHashMap<>(steps);
        copy.put(step.id(), step);
        return new RunRecord(runId, pipeline, file, pipelineSha256, params, runDate, status, startedAt, endedAt, resumedAt, copy);
    }

    public RunRecord withSteps(Map<String, StepRecord> newSteps) {
        return new RunRecord(runId, pipeline, file, pipelineSha256, params, runDate, status, startedAt, endedAt, resumedAt, newSteps);
    }

    public RunRecord ended(RunStatus newStatus, String at) {
        return new RunRecord(runId, pipeline, file, pipelineSha256, params, runDate, newStatus, startedAt, at, resumedAt, steps);
    }

    public RunRecord resumed(String at, String newFile, String newSha, Map<String, String> newParams) {
        List<String> times = new ArrayList<>(resumedAt);
        times.add(at);
        return new RunRecord(runId, pipeline, newFile, newSha, newParams, runDate, RunStatus.RUNNING, startedAt, null, times, steps);
    }

    /**
     * As a run recorded running reads once its process is gone (killed, crashed): interrupted,
     * with no end time, its running steps interrupted and its pending ones not started. Only a
     * read shows it this way ({@link RunStore#seenNow}); the record on disk is not changed.
     */
    public RunRecord processGone() {
        Map<String, StepRecord> seen = new LinkedHashMap<>();
        steps.forEach((id, s) -> seen.put(id, switch (s.status()) {
            case RUNNING -> s.withStatus(StepStatus.INTERRUPTED, PROCESS_GONE);
            case PENDING -> s.withStatus(StepStatus.PENDING, "the run's process is gone");
            default -> s;
        }));
        return new RunRecord(runId, pipeline, file, pipelineSha256, params, runDate, RunStatus.INTERRUPTED, startedAt, null,
                resumedAt, seen);
    }

    /** Interrupted without an end time: what {@link #processGone} shows; a run that saw its interrupt records when it ended. */
    public boolean isProcessGone() {
        return status == RunStatus.INTERRUPTED && endedAt == null;
    }

    public static final String PROCESS_GONE = "interrupted: its process is gone (killed or crashed)";

    public boolean finished() {
        return status == RunStatus.SUCCEEDED;
    }
}
