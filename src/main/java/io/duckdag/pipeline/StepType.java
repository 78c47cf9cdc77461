package io.duckdag.pipeline;

import java.util.Map;
import java.util.Set;

/**
 * What loading a pipeline needs to know of a step type: the name {@code type:} gives it, the
 * keys its {@code with:} takes, and how an interpolated {@code with:} becomes its typed
 * {@link StepConfig}, every value parsed and checked, with errors at their LINE:COL. The step
 * kinds implement it (io.duckdag.kind.StepKind); this package knows none of them by name.
 */
public interface StepType {
    String yamlName();

    /**
     * The keys {@code with:} takes, under the type's name, or under {@code name:variant} where a
     * key chooses among variants ({@code download:demo}). The JSON Schema lists the same; a test
     * fails when they part.
     */
    Map<String, Set<String>> withKeys();

    /** The typed configuration of one expanded step; throws {@link PipelineException} at the offending node. */
    StepConfig bind(Node.Mapping with, Binding binding);
}
