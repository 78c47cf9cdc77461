package io.duckdag.state;

import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Pattern;

/**
 * A run's id: its UTC start time to the millisecond, {@code 20261125-234642-123}, so ids sort
 * by time as plain strings and are safe in paths.
 */
public record RunId(String value) implements Comparable<RunId> {
    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS").withZone(ZoneOffset.UTC);
    private static final Pattern SHAPE = Pattern.compile("\\d{8}-\\d{6}-\\d{3}(-\\d+)?");

    public RunId {
        if (value == null || !SHAPE.matcher(value).matches()) {
            throw new IllegalArgumentException("a run id looks like 20261125-234642-123, not " + value);
        }
    }

    public static boolean isValid(String text) {
        return text != null && SHAPE.matcher(text).matches();
    }

    public static RunId at(Clock clock) {
        return new RunId(FORMAT.format(clock.instant()));
    }

    @Override
    public int compareTo(RunId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
