package io.duckdag.kind;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a step would change in the lake: sentences for people, and the same counts as numbers
 * for programs ({@code partitions}, {@code files}, {@code bytes}, {@code rows}, ..., only those
 * that apply to the step; a count that could not be read is left out).
 */
public record Impact(List<String> lines, Map<String, Long> numbers) {
    public static final Impact NONE = new Impact(List.of(), Map.of());

    public Impact {
        lines = List.copyOf(lines);
        numbers = Collections.unmodifiableMap(new LinkedHashMap<>(numbers));
    }

    public static Impact of(List<String> lines) {
        return new Impact(lines, Map.of());
    }
}
