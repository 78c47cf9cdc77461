package io.duckdag.plan;

import io.duckdag.pipeline.ExpandedStep;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Prints the expanded DAG as text, Graphviz dot or Mermaid. */
public final class GraphRenderer {
    public enum Format { TEXT, DOT, MERMAID }

    private GraphRenderer() {
    }

    public static void render(String pipelineName, StepGraph graph, Format format, PrintWriter out) {
        switch (format) {
            case TEXT -> text(graph, out);
            case DOT -> dot(pipelineName, graph, out);
            case MERMAID -> mermaid(graph, out);
        }
    }

    private static void text(StepGraph graph, PrintWriter out) {
        for (ExpandedStep step : graph.inOrder()) {
            List<String> upstream = graph.upstreamOf(step.id());
            out.println(step.id() + " (" + step.type().yamlName() + ")"
                    + (upstream.isEmpty() ? "" : " <- " + String.join(", ", upstream)));
        }
    }

    private static void dot(String pipelineName, StepGraph graph, PrintWriter out) {
        out.println("digraph " + dotQuoted(pipelineName) + " {");
        out.println("  rankdir=LR;");
        out.println("  node [shape=box];");
        for (ExpandedStep step : graph.inOrder()) {
            out.println("  " + dotQuoted(step.id()) + " [label=" + dotQuoted(step.id() + "\n" + step.type().yamlName()) + "];");
        }
        for (ExpandedStep step : graph.inOrder()) {
            for (String down : graph.downstreamOf(step.id())) {
                out.println("  " + dotQuoted(step.id()) + " -> " + dotQuoted(down) + ";");
            }
        }
        out.println("}");
    }

    private static void mermaid(StepGraph graph, PrintWriter out) {
        // Mermaid ids cannot hold brackets, so nodes get short ids and the step id as label.
        Map<String, String> ids = new HashMap<>();
        out.println("flowchart LR");
        for (ExpandedStep step : graph.inOrder()) {
            String id = "s" + ids.size();
            ids.put(step.id(), id);
            out.println("  " + id + "[\"" + step.id() + "<br/>" + step.type().yamlName() + "\"]");
        }
        for (ExpandedStep step : graph.inOrder()) {
            for (String down : graph.downstreamOf(step.id())) {
                out.println("  " + ids.get(step.id()) + " --> " + ids.get(down));
            }
        }
    }

    private static String dotQuoted(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }
}
