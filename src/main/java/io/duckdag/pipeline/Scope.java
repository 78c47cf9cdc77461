package io.duckdag.pipeline;

import java.util.Map;

/**
 * The values that {@code ${...}} can name at one place of a pipeline. {@code item} is null
 * outside a foreach step; {@code runId} and {@code runDate} are null outside steps
 * (in settings and params). With {@code keepEnv}, {@code ${env.X}} stays as written (once X is
 * known to be set): the form of a step's with: that is recorded and shown, so that a secret
 * passed through the environment is never written down.
 */
public record Scope(Map<String, String> params, Map<String, String> env, String item, String runId, String runDate,
                    boolean keepEnv, java.util.Set<String> paramsFromEnv) {
    public Scope {
        params = Map.copyOf(params);
        env = Map.copyOf(env);
        paramsFromEnv = java.util.Set.copyOf(paramsFromEnv);
    }

    public Scope(Map<String, String> params, Map<String, String> env, String item, String runId, String runDate) {
        this(params, env, item, runId, runDate, false, java.util.Set.of());
    }

    /** The same values, but {@code ${env.X}}, and {@code ${params.X}} of a param from the environment, kept as written. */
    public Scope keepingEnv() {
        return new Scope(params, env, item, runId, runDate, true, paramsFromEnv);
    }

    /** The same values, knowing which params came from the environment. */
    public Scope withParamsFromEnv(java.util.Set<String> names) {
        return new Scope(params, env, item, runId, runDate, keepEnv, names);
    }

    /** The scope of settings and params: no item, no run. */
    public static Scope outsideSteps(Map<String, String> params, Map<String, String> env) {
        return new Scope(params, env, null, null, null);
    }

    public Scope withItem(String newItem) {
        return new Scope(params, env, newItem, runId, runDate, keepEnv, paramsFromEnv);
    }
}
