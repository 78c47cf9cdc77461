package io.duckdag.kind;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a step would do, in concrete terms: a sentence, the paths it reads and writes, and what it
 * would change, in lines ({@code impact}) and as numbers ({@code impactNumbers}, empty for a step
 * that does not touch the lake or would not run).
 */
public record StepDescription(String summary, List<Path> reads, List<Path> writes, List<String> impact,
                              Map<String, Long> impactNumbers) {
    public StepDescription {
        reads = List.copyOf(reads);
        writes = List.copyOf(writes);
        impact = List.copyOf(impact);
        impactNumbers = Collections.unmodifiableMap(new LinkedHashMap<>(impactNumbers));
    }

    public StepDescription(String summary, List<Path> reads, List<Path> writes) {
        this(summary, reads, writes, List.of(), Map.of());
    }

    /** The same description with {@code redact} applied to its sentences and paths. */
    public StepDescription redacted(java.util.function.UnaryOperator<String> redact) {
        return new StepDescription(redact.apply(summary), reads.stream().map(p -> Path.of(redact.apply(p.toString()))).toList(),
                writes.stream().map(p -> Path.of(redact.apply(p.toString()))).toList(), impact.stream().map(redact).toList(), impactNumbers);
    }

    public StepDescription withImpact(List<String> lines, Map<String, Long> numbers) {
        return new StepDescription(summary, reads, writes, lines, numbers);
    }
}
