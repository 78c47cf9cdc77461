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
                    boolean keepEnv) {
    public Scope {
        params = Map.copyOf(params);
        env = Map.copyOf(env);
    }

    public Scope(Map<String, String> params, Map<String, String> env, String item, String runId, String runDate) {
        this(params, env, item, runId, runDate, false);
    }

    /** The same values, but {@code ${env.X}} kept as written. */
    public Scope keepingEnv() {
        return new Scope(params, env, item, runId, runDate, true);
    }

    /** The scope of settings and params: no item, no run. */
    public static Scope outsideSteps(Map<String, String> params, Map<String, String> env) {
        return new Scope(params, env, null, null, null);
    }

    public Scope withItem(String newItem) {
        return new Scope(params, env, newItem, runId, runDate, keepEnv);
    }
}
