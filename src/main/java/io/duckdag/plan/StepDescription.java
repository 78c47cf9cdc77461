package io.duckdag.plan;

import java.nio.file.Path;
import java.util.List;

/** What a step would do, in concrete terms: a sentence and the paths it reads and writes. */
public record StepDescription(String summary, List<Path> reads, List<Path> writes) {
    public StepDescription {
        reads = List.copyOf(reads);
        writes = List.copyOf(writes);
    }
}
