package io.duckdag.pipeline;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The step types a pipeline can name with {@code type:}. */
public enum StepType {
    DOWNLOAD("download"),
    SHELL("shell"),
    SQL("sql"),
    COMPACT("compact"),
    VERIFY("verify"),
    SWAP("swap"),
    SYNC_METADATA("sync-metadata");

    private final String yamlName;

    StepType(String yamlName) {
        this.yamlName = yamlName;
    }

    public String yamlName() {
        return yamlName;
    }

    /** Compact, verify and swap each work on one table. */
    public boolean takesOneTable() {
        return this == COMPACT || this == VERIFY || this == SWAP;
    }

    public static Optional<StepType> fromYaml(String name) {
        return Arrays.stream(values()).filter(t -> t.yamlName.equals(name)).findFirst();
    }

    public static List<String> yamlNames() {
        return Arrays.stream(values()).map(StepType::yamlName).toList();
    }

    @Override
    public String toString() {
        return yamlName;
    }
}
