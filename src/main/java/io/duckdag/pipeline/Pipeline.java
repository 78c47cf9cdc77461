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
        Expansion expansion,
        Map<String, String> paramsFromEnv) {

    public Pipeline {
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        tables = List.copyOf(tables);
        steps = List.copyOf(steps);
        paramsFromEnv = Collections.unmodifiableMap(new LinkedHashMap<>(paramsFromEnv));
    }

    /**
     * The params as they may be written down (run record, plan): one whose value came from
     * {@code ${env.X}} appears as written ({@code "Bearer ${env.TOKEN}"}), never with its value.
     */
    public Map<String, String> recordedParams() {
        Map<String, String> out = new LinkedHashMap<>(params);
        out.putAll(paramsFromEnv);
        return out;
    }

    /** The values of params that came from the environment, each with how the pipeline names it. */
    public Map<String, String> paramSecrets() {
        Map<String, String> out = new LinkedHashMap<>();
        paramsFromEnv.keySet().forEach(name -> out.put(params.get(name), "${params." + name + "}"));
        return out;
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

    /** The steps as the loader expanded them (for the run id and date it was given). */
    public List<ExpandedStep> expandedSteps() {
        if (expansion == null) {
            throw new IllegalStateException("pipeline " + name + " was read but not expanded");
        }
        return expansion.steps();
    }

    public Pipeline withSettings(Settings newSettings) {
        return new Pipeline(name, description, file, sha256, newSettings, params, tables, steps, expansion, paramsFromEnv);
    }

    Pipeline withExpansion(Expansion e) {
        return new Pipeline(name, description, file, sha256, settings, params, tables, steps, e, paramsFromEnv);
    }
}
