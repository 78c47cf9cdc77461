package io.duckdag.pipeline;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A validated pipeline file. {@code params} are resolved (defaults, then --param overrides),
 * in the order they were declared; {@code sha256} is the hash of the file's bytes.
 */
public record Pipeline(
        String name,
        String description,
        String file,
        String sha256,
        Settings settings,
        Map<String, String> params,
        List<TableSpec> tables,
        List<StepSpec> steps,
        Expansion expansion) {

    public Pipeline {
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        tables = List.copyOf(tables);
        steps = List.copyOf(steps);
    }

    public Optional<TableSpec> table(String tableName) {
        return tables.stream().filter(t -> t.name().equals(tableName)).findFirst();
    }

    public List<String> tableNames() {
        return tables.stream().map(TableSpec::name).toList();
    }

    public Optional<StepSpec> step(String id) {
        return steps.stream().filter(s -> s.id().equals(id)).findFirst();
    }

    /**
     * The steps as the loader expanded them, when that was for this run id and date: a command
     * expands its pipeline once. Settings do not enter expansion, so a changed state_dir keeps it.
     */
    public Optional<List<ExpandedStep>> expanded(String runId, String runDate) {
        return Optional.ofNullable(expansion).filter(e -> e.runId().equals(runId) && e.runDate().equals(runDate))
                .map(Expansion::steps);
    }

    public Pipeline withSettings(Settings newSettings) {
        return new Pipeline(name, description, file, sha256, newSettings, params, tables, steps, expansion);
    }

    Pipeline withExpansion(Expansion e) {
        return new Pipeline(name, description, file, sha256, settings, params, tables, steps, e);
    }
}
