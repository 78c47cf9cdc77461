package io.duckdag.plan;

import io.duckdag.kind.StepKinds;
import io.duckdag.pipeline.ExpandedStep;
import io.duckdag.pipeline.Pipeline;
import io.duckdag.state.Hashes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * What identifies a step's configuration, and hashes of it. The configuration holds the
 * resolved {@code with:} and, for steps that touch tables, the table layout and the folders
 * they use, so that changing {@code sort_by} re-runs compaction.
 */
public final class Fingerprints {
    private Fingerprints() {
    }

    /** The step's type and resolved {@code with:}, and what its kind adds (a table's layout, the folders it uses). */
    public static Map<String, Object> configOf(ExpandedStep step, StepKinds.Bound<?> kind, Pipeline pipeline) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("type", step.type().yamlName());
        config.put("with", step.with());
        kind.fingerprint(pipeline, config);
        return config;
    }

    public static String of(Object value) {
        return Hashes.of(value);
    }

    public static String sha256(String text) {
        return Hashes.sha256(text);
    }

    /** The dotted paths where two configurations differ: {@code with.command}, {@code table.sort_by}. */
    public static List<String> differences(Map<String, Object> before, Map<String, Object> after) {
        List<String> out = new ArrayList<>();
        diff("", before, after, out);
        return out;
    }

    @SuppressWarnings("unchecked")
    private static void diff(String prefix, Object a, Object b, List<String> out) {
        if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
            TreeSet<String> keys = new TreeSet<>();
            ((Map<String, Object>) ma).keySet().forEach(keys::add);
            ((Map<String, Object>) mb).keySet().forEach(keys::add);
            for (String key : keys) {
                diff(prefix.isEmpty() ? key : prefix + "." + key, ma.get(key), mb.get(key), out);
            }
        } else if (!Objects.equals(normal(a), normal(b))) {
            out.add(prefix.isEmpty() ? "(all)" : prefix);
        }
    }

    /** JSON read back gives numbers where we wrote strings; compare as text. */
    private static Object normal(Object value) {
        if (value instanceof List<?> list) {
            return list.stream().map(Fingerprints::normal).toList();
        }
        return value == null || value instanceof Map ? value : value.toString();
    }
}
