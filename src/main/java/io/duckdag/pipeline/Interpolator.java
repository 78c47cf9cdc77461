package io.duckdag.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Substitutes {@code ${params.X}}, {@code ${env.X}}, {@code ${item}}, {@code ${run.id}} and
 * {@code ${run.date}} in string values after parsing, so a value can never add keys.
 * {@code $${} writes a literal {@code ${}. Anything unresolved is an error at the value's place.
 */
public final class Interpolator {
    private Interpolator() {
    }

    public static String apply(String text, Location at, Scope scope) {
        if (text.indexOf('$') < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            if (text.startsWith("$${", i)) {
                out.append("${");
                i += 3;
            } else if (text.startsWith("${", i)) {
                int end = text.indexOf('}', i + 2);
                if (end < 0) {
                    throw new PipelineException(at, "'${' is not closed in '" + text + "'; write ${name}, or $${ for a literal ${");
                }
                out.append(lookup(text.substring(i + 2, end).strip(), at, scope));
                i = end + 1;
            } else {
                out.append(text.charAt(i));
                i++;
            }
        }
        return out.toString();
    }

    /** Returns {@code node} with every string scalar inside it interpolated. */
    public static Node apply(Node node, Scope scope) {
        if (node instanceof Node.Scalar scalar) {
            if (scalar.kind() != Node.Scalar.Kind.STRING) {
                return scalar;
            }
            return new Node.Scalar(apply(scalar.text(), scalar.location(), scope), scalar.kind(), scalar.location());
        }
        if (node instanceof Node.Sequence sequence) {
            List<Node> items = new ArrayList<>();
            for (Node item : sequence.items()) {
                items.add(apply(item, scope));
            }
            return new Node.Sequence(items, sequence.location());
        }
        Node.Mapping mapping = (Node.Mapping) node;
        List<Node.Entry> entries = new ArrayList<>();
        for (Node.Entry entry : mapping.entries()) {
            entries.add(new Node.Entry(entry.key(), entry.keyLocation(), apply(entry.value(), scope)));
        }
        return new Node.Mapping(entries, mapping.location());
    }

    /**
     * The environment variables that {@code ${env.X}} names anywhere inside {@code node}, with
     * their values in {@code env} (those that are set).
     */
    public static java.util.Map<String, String> envNamed(Node node, java.util.Map<String, String> env) {
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        collectEnv(node, env, out);
        return out;
    }

    private static void collectEnv(Node node, java.util.Map<String, String> env, java.util.Map<String, String> out) {
        if (node instanceof Node.Scalar scalar) {
            java.util.regex.Matcher m = ENV_REF.matcher(scalar.text());
            while (m.find()) {
                if (m.start() == 0 || scalar.text().charAt(m.start() - 1) != '$') {
                    String value = env.get(m.group(1));
                    if (value != null) {
                        out.put(m.group(1), value);
                    }
                }
            }
        } else if (node instanceof Node.Sequence sequence) {
            sequence.items().forEach(n -> collectEnv(n, env, out));
        } else {
            ((Node.Mapping) node).entries().forEach(e -> collectEnv(e.value(), env, out));
        }
    }

    private static final java.util.regex.Pattern ENV_REF = java.util.regex.Pattern.compile("\\$\\{\\s*env\\.([^}\\s]+)\\s*}");

    private static String lookup(String name, Location at, Scope scope) {
        if (name.startsWith("params.")) {
            String key = name.substring("params.".length());
            String value = scope.params().get(key);
            if (value == null) {
                String known = scope.params().isEmpty() ? "the pipeline declares no params"
                        : "declared params: " + scope.params().keySet().stream().sorted().collect(Collectors.joining(", "));
                throw new PipelineException(at, "'${" + name + "}' names no param" + Suggestions.hint(key, scope.params().keySet())
                        + (Suggestions.closest(key, scope.params().keySet()).isPresent() ? "" : " (" + known + ")"));
            }
            return scope.keepEnv() && scope.paramsFromEnv().contains(key) ? "${params." + key + "}" : value;
        }
        if (name.startsWith("env.")) {
            String key = name.substring("env.".length());
            String value = scope.env().get(key);
            if (value == null) {
                throw new PipelineException(at, "'${" + name + "}' names the environment variable " + key
                        + ", which is not set; set it, or use a param instead");
            }
            return scope.keepEnv() ? "${env." + key + "}" : value;
        }
        switch (name) {
            case "item":
                if (scope.item() == null) {
                    throw new PipelineException(at, "'${item}' is only defined in a step with 'foreach'");
                }
                return scope.item();
            case "run.id":
            case "run.date":
                String value = name.equals("run.id") ? scope.runId() : scope.runDate();
                if (value == null) {
                    throw new PipelineException(at, "'${" + name + "}' is only defined inside steps, not in settings or params");
                }
                return value;
            default:
                throw new PipelineException(at, "unknown variable '${" + name
                        + "}'; use ${params.NAME}, ${env.NAME}, ${item}, ${run.id} or ${run.date}");
        }
    }
}
