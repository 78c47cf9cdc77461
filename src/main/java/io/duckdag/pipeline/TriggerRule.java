package io.duckdag.pipeline;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * When a step may start, given how its upstream steps ended ({@code trigger_rule:}), with
 * Airflow's meanings. A step that has no upstream steps starts at once under every rule
 * except {@link #ONE_FAILED}, which the loader refuses there (it could never fire).
 */
public enum TriggerRule {
    /** Every upstream step succeeded (or was skipped or disabled, as before trigger rules existed). */
    ALL_SUCCESS("all_success", "runs when every upstream step succeeded"),
    /** Every upstream step finished, however it ended: for steps that must run even after a failure. */
    ALL_DONE("all_done", "runs once every upstream step has finished, whatever its outcome"),
    /** At least one upstream step failed, without waiting for the others: for an alert step. */
    ONE_FAILED("one_failed", "runs as soon as an upstream step fails; skipped when none fails");

    public static final TriggerRule DEFAULT = ALL_SUCCESS;

    private final String yamlName;
    private final String meaning;

    TriggerRule(String yamlName, String meaning) {
        this.yamlName = yamlName;
        this.meaning = meaning;
    }

    public String yamlName() {
        return yamlName;
    }

    /** One clause a plan can print: "runs once every upstream step has finished, whatever its outcome". */
    public String meaning() {
        return meaning;
    }

    public static Optional<TriggerRule> fromYaml(String name) {
        return Arrays.stream(values()).filter(r -> r.yamlName.equals(name)).findFirst();
    }

    public static List<String> yamlNames() {
        return Arrays.stream(values()).map(TriggerRule::yamlName).toList();
    }

    @Override
    public String toString() {
        return yamlName;
    }
}
