package io.duckdag.plan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.duckdag.pipeline.TriggerRule;
import io.duckdag.state.RunRecord;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Prints a plan for people (text) or programs (JSON with the same content). */
public final class PlanRenderer {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private PlanRenderer() {
    }

    /**
     * What a new run will be called is decided when it starts (under its lock), so a plan for a
     * new run shows this instead of an id, in its paths too: nothing printed names a run that
     * will not exist.
     */
    public static final String NEW_RUN = "<new run>";

    public static void text(Plan plan, PrintWriter out) {
        java.io.StringWriter text = new java.io.StringWriter();
        textWithIds(plan, new PrintWriter(text));
        out.print(forNewRun(plan, text.toString()));
        out.flush();
    }

    /** The provisional id of a new run replaced by {@link #NEW_RUN}; a resumed run's id is real and stays. */
    private static String forNewRun(Plan plan, String text) {
        return plan.resuming().isPresent() ? text : text.replace(plan.runId(), NEW_RUN);
    }

    private static void textWithIds(Plan plan, PrintWriter out) {
        out.println("Plan " + plan.id() + " for pipeline " + plan.pipeline().name() + " (" + plan.pipeline().file() + ")");
        out.println(plan.resuming().map(r -> "resuming run " + r.runId() + " (" + r.status().word() + ")")
                .orElse("a new run (its id is given when it starts; " + NEW_RUN + " below)"));
        out.println("pipeline sha256: " + plan.pipeline().sha256());
        out.println("params: " + (plan.pipeline().params().isEmpty() ? "(none)" : plan.pipeline().recordedParams().entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "))));
        out.println("checkpoints: " + plan.resuming().map(PlanRenderer::checkpoints).orElse("none (new run)"));
        out.println("inputs: " + (plan.inputFingerprints().isEmpty() ? "no step reads fingerprinted inputs"
                : plan.inputFingerprints().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue().substring(0, 12))
                .collect(Collectors.joining(", "))));
        for (String w : plan.warnings()) {
            out.println("warning: " + w);
        }
        out.println();
        int idWidth = plan.steps().stream().mapToInt(s -> s.step().id().length()).max().orElse(4);
        int typeWidth = plan.steps().stream().mapToInt(s -> s.step().type().yamlName().length()).max().orElse(4);
        out.println(String.format("%-5s  %-" + idWidth + "s  %-" + typeWidth + "s  %s", "level", "step", "type", "action"));
        for (PlannedStep s : plan.steps()) {
            out.println(String.format("%-5d  %-" + idWidth + "s  %-" + typeWidth + "s  %s (%s)",
                    s.level(), s.step().id(), s.step().type().yamlName(), s.action().word(), s.reason()));
            String indent = " ".repeat(7);
            out.println(indent + s.description().summary());
            TriggerRule rule = s.step().triggerRule();
            if (rule != TriggerRule.DEFAULT) {
                out.println(indent + "trigger_rule: " + rule + " (" + rule.meaning() + ")");
            }
            if (!s.description().reads().isEmpty()) {
                out.println(indent + "reads:  " + paths(s.description().reads()));
            }
            if (!s.description().writes().isEmpty()) {
                out.println(indent + "writes: " + paths(s.description().writes()));
            }
            for (String line : s.description().impact()) {
                out.println(indent + line);
            }
        }
        out.println();
        long run = plan.count(PlannedStep.Action.RUN);
        long skip = plan.count(PlannedStep.Action.SKIP);
        out.println(run + " of " + plan.steps().size() + " steps would run, " + skip + " would be skipped.");
    }

    public static void json(Plan plan, PrintWriter out) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("pipeline", plan.pipeline().name());
        root.put("file", plan.pipeline().file());
        root.put("pipeline_sha256", plan.pipeline().sha256());
        root.put("plan_id", plan.id().toString());
        root.put("run_id", plan.resuming().isPresent() ? plan.runId() : null);
        root.put("resuming", plan.resuming().isPresent());
        root.put("run_date", plan.runDate());
        root.put("params", plan.pipeline().recordedParams());
        root.put("checkpoints", plan.resuming().map(PlanRenderer::checkpoints).orElse(null));
        root.put("input_fingerprints", plan.inputFingerprints());
        root.put("warnings", plan.warnings());
        root.put("steps", plan.steps().stream().map(PlanRenderer::json).toList());
        root.put("would_run", plan.count(PlannedStep.Action.RUN));
        root.put("would_skip", plan.count(PlannedStep.Action.SKIP));
        try {
            // run_id null for a new run; its provisional id nowhere (see NEW_RUN).
            out.println(forNewRun(plan, JSON.writeValueAsString(root)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a plan is plain maps and lists", e);
        }
    }

    private static Map<String, Object> json(PlannedStep s) {
        Map<String, Object> step = new LinkedHashMap<>();
        step.put("id", s.step().id());
        step.put("step", s.step().specId());
        step.put("item", s.step().item().orElse(null));
        step.put("type", s.step().type().yamlName());
        step.put("level", s.level());
        step.put("depends_on", s.step().dependsOn());
        if (s.step().triggerRule() != TriggerRule.DEFAULT) {
            step.put("trigger_rule", s.step().triggerRule().yamlName());
        }
        step.put("action", s.action().word());
        step.put("reason", s.reason());
        step.put("changes", s.changes());
        step.put("summary", s.description().summary());
        step.put("reads", strings(s.description().reads()));
        step.put("writes", strings(s.description().writes()));
        step.put("impact", s.description().impact());
        // The same counts as the impact lines, as numbers; null for a step that would not touch the lake.
        step.put("impact_numbers", s.description().impactNumbers().isEmpty() ? null : s.description().impactNumbers());
        step.put("with", s.step().with());
        return step;
    }

    /** "run X: 3 succeeded, 1 failed" */
    private static String checkpoints(RunRecord run) {
        Map<String, Long> counts = new LinkedHashMap<>();
        run.steps().values().forEach(s -> counts.merge(s.status().word(), 1L, Long::sum));
        return "run " + run.runId() + ": " + counts.entrySet().stream().map(e -> e.getValue() + " " + e.getKey())
                .collect(Collectors.joining(", "));
    }

    private static List<String> strings(List<Path> paths) {
        return paths.stream().map(Path::toString).toList();
    }

    private static String paths(List<Path> paths) {
        return paths.stream().map(Path::toString).collect(Collectors.joining(", "));
    }
}
