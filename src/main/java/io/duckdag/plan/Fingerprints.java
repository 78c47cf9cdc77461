package io.duckdag.plan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.duckdag.pipeline.ExpandedStep;
import io.duckdag.pipeline.Pipeline;
import io.duckdag.pipeline.Settings;
import io.duckdag.pipeline.StepConfig;
import io.duckdag.pipeline.TableSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
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
    private static final ObjectMapper CANONICAL = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private Fingerprints() {
    }

    public static Map<String, Object> configOf(ExpandedStep step, Pipeline pipeline) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("type", step.type().yamlName());
        config.put("with", step.with());
        Settings s = pipeline.settings();
        StepConfig c = step.config();
        String table = c instanceof StepConfig.Compact x ? x.table()
                : c instanceof StepConfig.Verify x ? x.table()
                : c instanceof StepConfig.Swap x ? x.table() : null;
        if (table != null) {
            TableSpec t = pipeline.table(table).orElseThrow();
            Map<String, Object> spec = new LinkedHashMap<>();
            spec.put("name", t.name());
            spec.put("partition_by", t.partitionBy());
            spec.put("sort_by", t.sortBy());
            spec.put("key", t.key());
            // Only when set, so that fingerprints recorded before these keys existed still match.
            if (!t.columns().isEmpty()) {
                spec.put("columns", t.columns());
            }
            if (t.onUnreadable() != TableSpec.OnUnreadable.FAIL) {
                spec.put("on_unreadable", t.onUnreadable().yamlName());
                spec.put("quarantine", s.quarantine().toString());
            }
            config.put("table", spec);
        }
        if (table != null || c instanceof StepConfig.DemoDownload || c instanceof StepConfig.SyncMetadata) {
            Map<String, Object> settings = new LinkedHashMap<>();
            settings.put("lake", s.lake().toString());
            if (table != null) {
                settings.put("staging", s.staging().toString());
                settings.put("backups", s.backups().toString());
            }
            if (c instanceof StepConfig.SyncMetadata) {
                settings.put("metadata_db", s.metadataDb().toString());
                settings.put("metadata_storage_version", s.metadataStorageVersion().toString());
                Map<String, Object> declared = new LinkedHashMap<>();
                pipeline.tables().stream().filter(t -> !t.columns().isEmpty()).forEach(t -> declared.put(t.name(), t.columns()));
                if (!declared.isEmpty()) {
                    config.put("declared_columns", declared); // the views cast them
                }
            }
            config.put("settings", settings);
        }
        return config;
    }

    public static String of(Object value) {
        try {
            return sha256(CANONICAL.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("configurations are plain maps, lists and strings", e);
        }
    }

    public static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
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
