package io.duckdag.cli;

import io.duckdag.state.RunRecord;
import io.duckdag.state.StepRecord;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** The table of a run's steps: status, duration, attempts, metrics or error. */
final class RunTable {
    private RunTable() {
    }

    static void print(RunRecord record, PrintWriter out) {
        int width = Math.max(4, record.steps().keySet().stream().mapToInt(String::length).max().orElse(4));
        String format = "%-" + width + "s  %-15s  %8s  %8s  %s%n";
        out.printf(format, "step", "status", "duration", "attempts", "details");
        for (StepRecord s : record.steps().values()) {
            String details = s.error() != null ? s.error()
                    : !s.metrics().isEmpty() ? metrics(s.metrics()).strip()
                    : s.reason() == null ? "" : s.reason();
            out.printf(format, s.id(), s.status().word(), duration(s).orElse("-"), s.attempts() == 0 ? "-" : s.attempts(), details);
        }
    }

    /** An instant of a record as local time to the second: 2026-11-25 23:46:42. */
    static String time(String instant, java.time.ZoneId zone) {
        if (instant == null) {
            return "-";
        }
        return java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(zone).format(Instant.parse(instant));
    }

    static Optional<String> duration(StepRecord s) {
        if (s.startedAt() == null || s.endedAt() == null) {
            return Optional.empty();
        }
        return Optional.of(duration(Duration.between(Instant.parse(s.startedAt()), Instant.parse(s.endedAt()))));
    }

    static String duration(Duration d) {
        long ms = d.toMillis();
        if (ms < 60_000) {
            return String.format("%.1fs", ms / 1000.0);
        }
        return d.toMinutes() < 60 ? String.format("%dm%02ds", d.toMinutes(), d.toSecondsPart())
                : String.format("%dh%02dm", d.toHours(), d.toMinutesPart());
    }

    static String metrics(Map<String, Object> metrics) {
        if (metrics.isEmpty()) {
            return "";
        }
        return " " + metrics.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
    }
}
