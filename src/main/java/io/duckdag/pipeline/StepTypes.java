package io.duckdag.pipeline;

import java.util.List;
import java.util.Optional;

/** The step types a pipeline may name with {@code type:}, as the loader looks them up. */
public interface StepTypes {
    Optional<? extends StepType> named(String yamlName);

    /** The names, in the order {@code validate} and error messages list them. */
    List<String> names();
}
