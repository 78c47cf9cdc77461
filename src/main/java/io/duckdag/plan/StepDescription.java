package io.duckdag.plan;

import java.nio.file.Path;
import java.util.List;

/** What a step would do, in concrete terms: a sentence, the paths it reads and writes, and what it would change. */
public record StepDescription(String summary, List<Path> reads, List<Path> writes, List<String> impact) {
    public StepDescription {
        reads = List.copyOf(reads);
        writes = List.copyOf(writes);
        impact = List.copyOf(impact);
    }

    public StepDescription(String summary, List<Path> reads, List<Path> writes) {
        this(summary, reads, writes, List.of());
    }

    public StepDescription withImpact(List<String> lines) {
        return new StepDescription(summary, reads, writes, lines);
    }
}
