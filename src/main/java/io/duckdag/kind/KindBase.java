package io.duckdag.kind;

import io.duckdag.pipeline.StepConfig;
import java.util.Map;
import java.util.Set;

/**
 * What every kind states about itself, given once to the constructor: its YAML name, its
 * config type, its role towards the lake, and the keys its {@code with:} takes. A kind extends
 * this and writes only what it does.
 */
public abstract class KindBase<C extends StepConfig> implements StepKind<C> {
    private final String yamlName;
    private final Class<C> configType;
    private final Role role;
    private final Map<String, Set<String>> withKeys;

    /** A kind whose {@code with:} takes {@code withKeys}. */
    protected KindBase(String yamlName, Class<C> configType, Role role, Set<String> withKeys) {
        this(yamlName, configType, role, Map.of(yamlName, withKeys));
    }

    /** A kind whose {@code with:} takes other keys per variant ({@code download:demo}, {@code download:http}). */
    protected KindBase(String yamlName, Class<C> configType, Role role, Map<String, Set<String>> withKeys) {
        this.yamlName = yamlName;
        this.configType = configType;
        this.role = role;
        this.withKeys = Map.copyOf(withKeys);
    }

    @Override
    public final String yamlName() {
        return yamlName;
    }

    @Override
    public final Class<C> configType() {
        return configType;
    }

    @Override
    public final Role role() {
        return role;
    }

    @Override
    public final Map<String, Set<String>> withKeys() {
        return withKeys;
    }

    @Override
    public String toString() {
        return yamlName;
    }
}
