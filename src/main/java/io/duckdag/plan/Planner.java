package io.duckdag.plan;

import io.duckdag.pipeline.ExpandedStep;
import io.duckdag.pipeline.Expander;
import io.duckdag.pipeline.Pipeline;
import io.duckdag.pipeline.StepConfig;
import io.duckdag.pipeline.StepType;
import io.duckdag.state.RunRecord;
import io.duckdag.state.StepRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Expands a pipeline for one run and decides, step by step, whether it would run and why.
 * For a resumed run, a step that succeeded is skipped unless its configuration changed, an
 * upstream step runs again, or what it recorded no longer holds on disk.
 */
public final class Planner {
    /** Steps that may put files into the lake, so that lake steps after them see more than the plan does. */
    private static final Set<StepType> WRITERS = Set.of(StepType.DOWNLOAD, StepType.SHELL, StepType.SQL);
    /** Steps that read or write the lake's folder. */
    private static final Set<StepType> LAKE_STEPS = Set.of(StepType.COMPACT, StepType.VERIFY, StepType.SWAP, StepType.SYNC_METADATA);

    private final Map<String, String> env;
    private final LakeProbe probe;

    public Planner(Map<String, String> env) {
        this(env, LakeProbe.NONE);
    }

    public Planner(Map<String, String> env, LakeProbe probe) {
        this.env = Map.copyOf(env);
        this.probe = probe;
    }

    public StepGraph graph(Pipeline pipeline, String runId, String runDate) {
        return new StepGraph(new Expander(pipeline, env).expand(runId, runDate));
    }

    /** The plan of a new run with this id, all steps selected. */
    public Plan plan(Pipeline pipeline, String runId, String runDate) {
        return plan(pipeline, runId, runDate, Optional.empty(), Selection.ALL);
    }

    public Plan plan(Pipeline pipeline, String runId, String runDate, Optional<RunRecord> resuming, Selection selection) {
        StepGraph graph = graph(pipeline, runId, runDate);
        Set<String> selected = selection.resolve(graph);
        StepDescriber describer = new StepDescriber(pipeline, runId);
        Map<String, PlannedStep> decided = new HashMap<>();
        List<PlannedStep> steps = new ArrayList<>();
        Map<String, String> inputs = new LinkedHashMap<>();
        for (ExpandedStep step : graph.inOrder()) {
            Map<String, Object> config = Fingerprints.configOf(step, pipeline);
            String fingerprint = Fingerprints.of(config);
            List<String> changes = new ArrayList<>();
            Decision d = decide(step, selected, selection, resuming, config, fingerprint, changes, graph, decided, runId);
            StepDescription description = describer.describe(step);
            if (d.action == PlannedStep.Action.RUN) {
                Impact found = probe.impact(step, runId);
                List<String> impact = new ArrayList<>(found.lines());
                Optional<String> writer = graph.ancestorsOf(step.id()).stream()
                        .filter(a -> decided.get(a).action() == PlannedStep.Action.RUN && WRITERS.contains(graph.step(a).type()))
                        .findFirst();
                if (!impact.isEmpty() && writer.isPresent()) {
                    impact.add(0, "as the lake is now; " + writer.get() + " runs first and may add files:");
                }
                description = description.withImpact(impact, found.numbers());
            }
            PlannedStep planned = new PlannedStep(step, graph.level(step.id()), d.action, d.reason,
                    description, config, fingerprint, changes);
            decided.put(step.id(), planned);
            steps.add(planned);
            if (d.action == PlannedStep.Action.RUN) {
                probe.inputFingerprint(step, runId).ifPresent(f -> inputs.put(step.id(), f));
            }
        }
        String state = resuming.map(Planner::stateHash).orElse(Fingerprints.sha256("new run"));
        PlanId id = PlanId.of(pipeline.sha256(), Fingerprints.of(pipeline.params()), state, Fingerprints.of(inputs));
        List<String> errors = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        checkLake(pipeline, graph, steps, decided, errors, warnings);
        return new Plan(pipeline, runId, runDate, graph, steps, resuming, inputs, id, errors, warnings);
    }

    /**
     * A lake folder that does not exist is an error when a lake step would run with no download,
     * shell or sql step running before it (nothing could create it: settings.lake is likely
     * wrong), and a warning when one does. A sort_by or key column that none of a table's files
     * has is an error for a table that a compact or verify step would work on.
     */
    private void checkLake(Pipeline pipeline, StepGraph graph, List<PlannedStep> steps, Map<String, PlannedStep> decided,
                           List<String> errors, List<String> warnings) {
        List<PlannedStep> lakeSteps = steps.stream()
                .filter(s -> s.action() == PlannedStep.Action.RUN && LAKE_STEPS.contains(s.step().type())).toList();
        if (lakeSteps.isEmpty()) {
            return;
        }
        Optional<java.nio.file.Path> missing = probe.missingLake();
        if (missing.isPresent()) {
            Set<String> before = new java.util.LinkedHashSet<>();
            for (PlannedStep s : lakeSteps) {
                List<String> writers = graph.ancestorsOf(s.step().id()).stream()
                        .filter(a -> decided.get(a).action() == PlannedStep.Action.RUN && WRITERS.contains(graph.step(a).type()))
                        .toList();
                if (writers.isEmpty()) {
                    errors.add("the lake folder " + missing.get() + " does not exist, and no download, shell or sql step runs before "
                            + s.step().id() + " that could create it; check settings.lake (relative paths start from the current directory)");
                    return;
                }
                before.addAll(writers);
            }
            // In plan order, the way they are printed.
            List<String> writers = steps.stream().map(s -> s.step().id()).filter(before::contains).toList();
            warnings.add("the lake folder " + missing.get() + " does not exist yet; the steps that run before the lake steps ("
                    + String.join(", ", writers) + ") may create it; if they do not, the lake steps find no lake: check settings.lake");
            return;
        }
        List<String> tables = new ArrayList<>();
        for (PlannedStep s : lakeSteps) {
            String table = s.step().config() instanceof StepConfig.Compact c ? c.table()
                    : s.step().config() instanceof StepConfig.Verify v ? v.table() : null;
            if (table != null && !tables.contains(table)) {
                tables.add(table);
            }
        }
        errors.addAll(probe.missingColumns(pipeline.tables().stream().filter(t -> tables.contains(t.name())).toList()));
    }

    private record Decision(PlannedStep.Action action, String reason) {
        static Decision run(String reason) {
            return new Decision(PlannedStep.Action.RUN, reason);
        }

        static Decision skip(String reason) {
            return new Decision(PlannedStep.Action.SKIP, reason);
        }
    }

    private Decision decide(ExpandedStep step, Set<String> selected, Selection selection, Optional<RunRecord> resuming,
                            Map<String, Object> config, String fingerprint, List<String> changes, StepGraph graph,
                            Map<String, PlannedStep> decided, String runId) {
        if (!selected.contains(step.id())) {
            return Decision.skip("not selected by " + selection.describe());
        }
        if (!step.enabled()) {
            return Decision.skip("disabled (enabled: false)");
        }
        if (resuming.isEmpty()) {
            return Decision.run("new run");
        }
        RunRecord run = resuming.get();
        Optional<StepRecord> found = run.step(step.id());
        if (found.isEmpty()) {
            return Decision.run("new step since run " + run.runId());
        }
        StepRecord rec = found.get();
        switch (rec.status()) {
            case SUCCEEDED: {
                if (!fingerprint.equals(rec.configFingerprint())) {
                    changes.addAll(Fingerprints.differences(rec.config(), config));
                    return Decision.run("configuration changed: " + String.join(", ", changes));
                }
                for (String up : graph.upstreamOf(step.id())) {
                    if (decided.get(up).action() == PlannedStep.Action.RUN) {
                        return Decision.run("upstream " + up + " re-runs");
                    }
                }
                Optional<String> stale = probe.staleCheckpoint(step, rec, runId);
                if (stale.isPresent()) {
                    return Decision.run("checkpoint no longer holds: " + stale.get());
                }
                return Decision.skip("succeeded in run " + run.runId());
            }
            case SKIPPED:
                return Decision.run("skipped in run " + run.runId() + (rec.reason() == null ? "" : ": " + rec.reason()));
            case FAILED:
                return Decision.run("failed in run " + run.runId() + (rec.error() == null ? "" : ": " + firstLine(rec.error())));
            case RUNNING:
                return Decision.run("was running when run " + run.runId() + " stopped");
            case INTERRUPTED:
                return Decision.run("interrupted in run " + run.runId());
            case UPSTREAM_FAILED:
                return Decision.run("not run in run " + run.runId() + " because an upstream step failed");
            default:
                return Decision.run("not run yet in run " + run.runId());
        }
    }

    private static String stateHash(RunRecord run) {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("run", run.runId());
        run.steps().forEach((id, s) -> state.put(id, s.status().word() + ":" + s.resultFingerprint()));
        return Fingerprints.of(state);
    }

    private static String firstLine(String text) {
        String line = text.lines().findFirst().orElse("");
        return line.length() > 160 ? line.substring(0, 157) + "..." : line;
    }
}
