package io.duckdag.state;

import java.util.function.UnaryOperator;

/** The record of the run in progress. Every change is written durably before it returns. */
public final class RecordedRun {
    private final RunStore store;
    private RunRecord record;

    public RecordedRun(RunStore store, RunRecord record) {
        this.store = store;
        this.record = record;
        store.save(record);
    }

    public synchronized RunRecord current() {
        return record;
    }

    public synchronized RunRecord update(UnaryOperator<RunRecord> change) {
        record = change.apply(record);
        store.save(record);
        return record;
    }

    public synchronized StepRecord updateStep(String stepId, UnaryOperator<StepRecord> change) {
        StepRecord step = change.apply(record.step(stepId).orElseThrow());
        record = record.withStep(step);
        store.save(record);
        return step;
    }

    public RunStore store() {
        return store;
    }
}
