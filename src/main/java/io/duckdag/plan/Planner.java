package io.duckdag.plan;

import io.duckdag.kind.Impact;
import io.duckdag.kind.PlanContext;
import io.duckdag.kind.StepDescription;
import io.duckdag.kind.StepKind;
import io.duckdag.kind.StepKinds;
import io.duckdag.lake.DuckDb;
import io.duckdag.lake.KeyColumns;
import io.duckdag.lake.LakeLayout;
import io.duckdag.pipeline.ExpandedStep;
import io.duckdag.pipeline.Expander;
import io.duckdag.pipeline.Pipeline;
import io.duckdag.pipeline.TableSpec;
import io.duckdag.state.RunRecord;
import io.duckdag.state.StepRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
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
    /** How much of the disk a plan looks at. */
    public enum Looks {
        /** The configuration and the run record only (graph, tests). */
        NOTHING,
        /** Also whether recorded successes still hold, and what compaction would read: a run plans under its lock with this. */
        CHECKPOINTS,
        /** Also what each step would change, and whether the lake and its columns are there: a printed plan. */
        EVERYTHING
    }

    private final Map<String, String> env;
    private final StepKinds kinds;
    private final Looks looks;

    public Planner(Map<String, String> env, StepKinds kinds, Looks looks) {
        this.env = Map.copyOf(env);
        this.kinds = kinds;
        this.looks = looks;
    }

    /** The DAG of a loaded pipeline, as the loader expanded it (for graph and validate, which need no run). */
    public static StepGraph graph(Pipeline pipeline) {
        return new StepGraph(pipeline.expandedSteps());
    }

    /** The expanded steps: as the loader expanded them when that was for this run, else expanded now. */
    public StepGraph graph(Pipeline pipeline, String runId, String runDate) {
        return new StepGraph(pipeline.expanded(runId, runDate).orElseGet(() -> new Expander(pipeline, env).expand(runId, runDate)));
    }

    /** The plan of a new run with this id, all steps selected. */
    public Plan plan(Pipeline pipeline, String runId, String runDate) {
        return plan(pipeline, runId, runDate, Optional.empty(), Selection.ALL);
    }

    public Plan plan(Pipeline pipeline, String runId, String runDate, Optional<RunRecord> resuming, Selection selection) {
        StepGraph graph = graph(pipeline, runId, runDate);
        Set<String> selected = selection.resolve(graph);
        PlanContext context = new PlanContext(pipeline, runId);
        Map<String, PlannedStep> decided = new HashMap<>();
        List<PlannedStep> steps = new ArrayList<>();
        Map<String, String> inputs = new LinkedHashMap<>();
        for (ExpandedStep step : graph.inOrder()) {
            StepKinds.Bound<?> kind = kinds.of(step);
            PlanContext here = context.forStep(step);
            Map<String, Object> config = Fingerprints.configOf(step, kind, pipeline);
            String fingerprint = Fingerprints.of(config);
            List<String> changes = new ArrayList<>();
            Decision d = decide(step, kind, here, selected, selection, resuming, config, fingerprint, changes, graph, decided);
            StepDescription description = kind.describe(here);
            if (d.action == PlannedStep.Action.RUN && looks == Looks.EVERYTHING) {
                Impact found = kind.impact(here);
                List<String> impact = new ArrayList<>(found.lines());
                Optional<String> writer = graph.ancestorsOf(step.id()).stream()
                        .filter(a -> decided.get(a).action() == PlannedStep.Action.RUN && feedsLake(graph.step(a)))
                        .findFirst();
                if (!impact.isEmpty() && writer.isPresent()) {
                    impact.add(0, "as the lake is now; " + writer.get() + " runs first and may add files:");
                }
                description = description.withImpact(impact, found.numbers());
            }
            description = description.redacted(step::redact);
            PlannedStep planned = new PlannedStep(step, graph.level(step.id()), d.action, d.why, d.reason,
                    description, config, fingerprint, changes);
            decided.put(step.id(), planned);
            steps.add(planned);
            if (d.action == PlannedStep.Action.RUN && looks != Looks.NOTHING) {
                kind.inputFingerprint(here).ifPresent(f -> inputs.put(step.id(), f));
            }
        }
        String state = resuming.map(Planner::stateHash).orElse(Fingerprints.sha256("new run"));
        PlanId id = PlanId.of(pipeline.sha256(), Fingerprints.of(pipeline.recordedParams()), state, Fingerprints.of(inputs));
        List<String> errors = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        if (looks == Looks.EVERYTHING) {
            checkLake(pipeline, graph, steps, decided, errors, warnings);
        }
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
                .filter(s -> s.action() == PlannedStep.Action.RUN && kinds.of(s.step()).role().lakeStep()).toList();
        if (lakeSteps.isEmpty()) {
            return;
        }
        Path lake = LakeLayout.of(pipeline).lake();
        Optional<Path> missing = Files.isDirectory(lake) ? Optional.empty() : Optional.of(lake);
        if (missing.isPresent()) {
            Set<String> before = new java.util.LinkedHashSet<>();
            for (PlannedStep s : lakeSteps) {
                List<String> writers = graph.ancestorsOf(s.step().id()).stream()
                        .filter(a -> decided.get(a).action() == PlannedStep.Action.RUN && feedsLake(graph.step(a)))
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
            for (String table : kinds.of(s.step()).needsColumnsOf()) {
                if (!tables.contains(table)) {
                    tables.add(table);
                }
            }
        }
        errors.addAll(missingColumns(pipeline, pipeline.tables().stream().filter(t -> tables.contains(t.name())).toList()));
    }

    private boolean feedsLake(ExpandedStep step) {
        return kinds.of(step).role() == StepKind.Role.FEEDS_LAKE;
    }

    /**
     * One sentence per column that these tables' sort_by or key name and none of their files has
     * (from footers; nothing for a table without files).
     */
    static List<String> missingColumns(Pipeline pipeline, List<TableSpec> tables) {
        LakeLayout layout = LakeLayout.of(pipeline);
        List<TableSpec> withFiles = tables.stream().filter(t -> !t.sortBy().isEmpty() || !t.key().isEmpty())
                .filter(t -> Files.isDirectory(layout.liveTable(t.name()))).toList();
        if (withFiles.isEmpty()) {
            return List.of();
        }
        List<String> problems = new ArrayList<>();
        try (Connection c = DuckDb.open(Optional.empty(), pipeline.settings().duckdb())) {
            for (TableSpec t : withFiles) {
                problems.addAll(KeyColumns.missing(c, t, layout.liveTable(t.name())));
            }
        } catch (Exception e) {
            return List.of(); // no check rather than a false one: compaction checks each partition again
        }
        return problems;
    }

    /** The sort_by and key columns of every table that no file has, for validate. */
    public static List<String> missingColumns(Pipeline pipeline) {
        return missingColumns(pipeline, pipeline.tables());
    }

    private record Decision(PlannedStep.Action action, PlannedStep.Why why, String reason) {
        static Decision run(PlannedStep.Why why, String reason) {
            return new Decision(PlannedStep.Action.RUN, why, reason);
        }

        static Decision skip(PlannedStep.Why why, String reason) {
            return new Decision(PlannedStep.Action.SKIP, why, reason);
        }
    }

    private Decision decide(ExpandedStep step, StepKinds.Bound<?> kind, PlanContext here, Set<String> selected, Selection selection,
                            Optional<RunRecord> resuming, Map<String, Object> config, String fingerprint, List<String> changes,
                            StepGraph graph, Map<String, PlannedStep> decided) {
        if (!selected.contains(step.id())) {
            return Decision.skip(PlannedStep.Why.NOT_SELECTED, "not selected by " + selection.describe());
        }
        if (!step.enabled()) {
            return Decision.skip(PlannedStep.Why.DISABLED, "disabled (enabled: false)");
        }
        if (resuming.isEmpty()) {
            return Decision.run(PlannedStep.Why.NEW_RUN, "new run");
        }
        RunRecord run = resuming.get();
        Optional<StepRecord> found = run.step(step.id());
        if (found.isEmpty()) {
            return Decision.run(PlannedStep.Why.NEW_STEP, "new step since run " + run.runId());
        }
        StepRecord rec = found.get();
        switch (rec.status()) {
            case SUCCEEDED: {
                if (!fingerprint.equals(rec.configFingerprint())) {
                    changes.addAll(Fingerprints.differences(rec.config(), config));
                    return Decision.run(PlannedStep.Why.CONFIG_CHANGED, "configuration changed: " + String.join(", ", changes));
                }
                for (String up : graph.upstreamOf(step.id())) {
                    if (decided.get(up).action() == PlannedStep.Action.RUN) {
                        return Decision.run(PlannedStep.Why.UPSTREAM_RERUNS, "upstream " + up + " re-runs");
                    }
                }
                Optional<String> stale = looks == Looks.NOTHING ? Optional.empty() : kind.staleCheckpoint(rec, here);
                if (stale.isPresent()) {
                    return Decision.run(PlannedStep.Why.CHECKPOINT_STALE, "checkpoint no longer holds: " + stale.get());
                }
                return Decision.skip(PlannedStep.Why.SUCCEEDED_BEFORE, "succeeded in run " + run.runId());
            }
            case SKIPPED:
                return Decision.run(PlannedStep.Why.NOT_DONE_BEFORE, "skipped in run " + run.runId() + (rec.reason() == null ? "" : ": " + rec.reason()));
            case FAILED:
                return Decision.run(PlannedStep.Why.NOT_DONE_BEFORE, "failed in run " + run.runId() + (rec.error() == null ? "" : ": " + firstLine(rec.error())));
            case RUNNING:
                return Decision.run(PlannedStep.Why.NOT_DONE_BEFORE, "was running when run " + run.runId() + " stopped");
            case INTERRUPTED:
                return Decision.run(PlannedStep.Why.NOT_DONE_BEFORE, "interrupted in run " + run.runId());
            case UPSTREAM_FAILED:
                return Decision.run(PlannedStep.Why.NOT_DONE_BEFORE, "not run in run " + run.runId() + " because an upstream step failed");
            default:
                return Decision.run(PlannedStep.Why.NOT_DONE_BEFORE, "not run yet in run " + run.runId());
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
