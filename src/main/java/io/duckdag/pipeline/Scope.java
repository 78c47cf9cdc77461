package io.duckdag.pipeline;

import java.util.Map;

/**
 * The values that {@code ${...}} can name at one place of a pipeline. {@code item} is null
 * outside a foreach step; {@code runId} and {@code runDate} are null outside steps
 * (in settings and params).
 */
public record Scope(Map<String, String> params, Map<String, String> env, String item, String runId, String runDate) {
    public Scope {
        params = Map.copyOf(params);
        env = Map.copyOf(env);
    }

    /** The scope of settings and params: no item, no run. */
    public static Scope outsideSteps(Map<String, String> params, Map<String, String> env) {
        return new Scope(params, env, null, null, null);
    }

    public Scope withItem(String newItem) {
        return new Scope(params, env, newItem, runId, runDate);
    }
}
