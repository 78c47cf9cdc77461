package io.duckdag.kind;

import io.duckdag.lake.LakeLayout;
import io.duckdag.pipeline.ExpandedStep;
import io.duckdag.pipeline.Pipeline;
import io.duckdag.state.RunStore;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What a step kind may look at while one plan is made: the pipeline, its lake layout, its state
 * folder and the run. Kinds only read here (file listings, manifests, footers), never scan data.
 * {@link #memo} keeps what one step learnt for the next ones of the same plan (a plan asks about
 * each table for compact, verify and swap).
 */
public final class PlanContext {
    private final Pipeline pipeline;
    private final LakeLayout layout;
    private final RunStore store;
    private final String runId;
    private final ExpandedStep step;
    private final Map<String, Object> memo;

    public PlanContext(Pipeline pipeline, String runId) {
        this(pipeline, LakeLayout.of(pipeline), new RunStore(pipeline.settings().stateDir(), pipeline.name()), runId, null, new HashMap<>());
    }

    private PlanContext(Pipeline pipeline, LakeLayout layout, RunStore store, String runId, ExpandedStep step, Map<String, Object> memo) {
        this.pipeline = pipeline;
        this.layout = layout;
        this.store = store;
        this.runId = runId;
        this.step = step;
        this.memo = memo;
    }

    /** The same context, for one step (sharing the memo). */
    public PlanContext forStep(ExpandedStep planned) {
        return new PlanContext(pipeline, layout, store, runId, planned, memo);
    }

    /** The id of the step being planned ({@code compact[income]}). */
    public String stepId() {
        return step().id();
    }

    /**
     * {@code text} with the values the step took from the environment replaced by their
     * {@code ${env.X}}. A description that shortens a user's value must redact it first: the
     * plan redacts whole descriptions, but cannot find half a secret.
     */
    public String redact(String text) {
        return step().redact(text);
    }

    private ExpandedStep step() {
        if (step == null) {
            throw new IllegalStateException("a plan context asked for its step before forStep");
        }
        return step;
    }

    public Pipeline pipeline() {
        return pipeline;
    }

    public LakeLayout layout() {
        return layout;
    }

    /** The pipeline's state folder. */
    public Path pipelineStateDir() {
        return store.root();
    }

    public String runId() {
        return runId;
    }

    /** The run's own state folder. */
    public Path runDir() {
        return store.runDir(runId);
    }

    @SuppressWarnings("unchecked")
    public <T> T memo(String key, Supplier<T> make) {
        Object found = memo.get(key);
        if (found == null) {
            found = make.get();
            memo.put(key, found);
        }
        return (T) found;
    }
}
