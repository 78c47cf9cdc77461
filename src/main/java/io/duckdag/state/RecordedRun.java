package io.duckdag.state;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The record of the run in progress. Every change is written durably before it returns (but a
 * child's pid, see {@link #recordPid}): a change to the run as a whole as a new snapshot, a change
 * to one step as one line appended to the snapshot's {@link ChangeLog}, so that a step costs the
 * same whether the run has ten steps or a thousand.
 */
public final class RecordedRun {
    private final RunStore store;
    private RunRecord run;
    private final Map<String, StepRecord> steps;
    private ChangeLog changes;
    private RunRecord current;

    public RecordedRun(RunStore store, RunRecord record) {
        this.store = store;
        this.run = record;
        this.steps = new LinkedHashMap<>(record.steps());
        this.current = record;
        this.changes = store.snapshot(record);
    }

    public synchronized RunRecord current() {
        if (current == null) {
            current = run.withSteps(steps);
        }
        return current;
    }

    /** One step as recorded now, without copying the whole run. */
    public synchronized Optional<StepRecord> step(String stepId) {
        return Optional.ofNullable(steps.get(stepId));
    }

    /** Changes the run as a whole (it ends): written as a new snapshot, which also folds in the change log. */
    public synchronized RunRecord update(UnaryOperator<RunRecord> change) {
        RunRecord record = change.apply(current());
        changes = store.snapshot(record);
        run = record;
        steps.clear();
        steps.putAll(record.steps());
        current = record;
        return record;
    }

    public synchronized StepRecord updateStep(String stepId, UnaryOperator<StepRecord> change) {
        return changeStep(stepId, change, true);
    }

    /**
     * Records the pid of the process a step started, without forcing it to disk. The pid is read
     * only by a resume, to stop a child that outlived its killed run ({@code Engine.stopOrphan}). A
     * kill -9 of duckdag leaves what it wrote in the kernel's page cache, so the resume sees it; only
     * a power cut or a crash of the machine can lose it, and that kills the child as well, leaving
     * nothing to stop. The next forced change of the log (the step's end) puts it on disk anyway,
     * and a pid lost or torn with the log's tail only leaves the step as it was: running.
     */
    public synchronized StepRecord recordPid(String stepId, long pid) {
        return changeStep(stepId, r -> r.withPid(pid), false);
    }

    private StepRecord changeStep(String stepId, UnaryOperator<StepRecord> change, boolean force) {
        StepRecord step = change.apply(step(stepId).orElseThrow());
        changes.append(step, force);
        steps.put(stepId, step);
        current = null;
        return step;
    }

    public RunStore store() {
        return store;
    }
}
