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
        print(record, out, false);
    }

    /** With {@code withOutput}, a failed step's last lines of output follow its row, under its details. */
    static void print(RunRecord record, PrintWriter out, boolean withOutput) {
        int width = Math.max(4, record.steps().keySet().stream().mapToInt(String::length).max().orElse(4));
        String format = "%-" + width + "s  %-15s  %8s  %8s  %s%n";
        out.printf(format, "step", "status", "duration", "attempts", "details");
        for (StepRecord s : record.steps().values()) {
            String details = details(s);
            out.printf(format, s.id(), s.status().word(), duration(s).orElse("-"), s.attempts() == 0 ? "-" : s.attempts(), details);
            for (String line : withOutput ? s.outputTail() : java.util.List.<String>of()) {
                out.println(" ".repeat(width + 2 + 15 + 2 + 8 + 2 + 8 + 2) + "| " + line);
            }
        }
    }

    /**
     * The error, else the metrics, else the reason. The reason of a step that has not ended is why
     * the plan chose to run it, which speaks of the run as it was before (failed in run ..., not
     * run yet in run ...): said as the reason it has not started, and not at all once it runs.
     */
    private static String details(StepRecord s) {
        if (s.error() != null) {
            return s.error();
        }
        if (!s.metrics().isEmpty()) {
            return metrics(s.metrics()).strip();
        }
        return switch (s.status()) {
            case RUNNING -> "";
            case PENDING -> s.reason() == null ? "not started" : "not started (" + s.reason() + ")";
            default -> s.reason() == null ? "" : s.reason();
        };
    }

    /** What a failed step's command last wrote, each line after a newline, marked off from duckdag's own text. */
    static String outputTail(StepRecord s, String indent) {
        StringBuilder text = new StringBuilder();
        for (String line : s.outputTail()) {
            text.append('\n').append(indent).append("| ").append(line);
        }
        return text.toString();
    }

    /**
     * Per table, what the lake steps of this run did to it: partitions rewritten (tiered among
     * them) and left as they were, files and bytes before and after, rows, duplicate-key rows
     * collapsed, files quarantined, and the time its steps took. Tables no lake step touched in
     * this run are left out; nothing is printed when there are none.
     */
    static void tables(RunRecord record, PrintWriter out) {
        Map<String, java.util.List<StepRecord>> byTable = new java.util.LinkedHashMap<>();
        for (StepRecord s : record.steps().values()) {
            if (s.config() != null && s.config().get("table") instanceof Map<?, ?> t && t.get("name") instanceof String name
                    && !s.metrics().isEmpty()) {
                byTable.computeIfAbsent(name, k -> new java.util.ArrayList<>()).add(s);
            }
        }
        if (byTable.isEmpty()) {
            return;
        }
        String format = "%-" + Math.max(5, byTable.keySet().stream().mapToInt(String::length).max().orElse(5))
                + "s  %-22s  %-22s  %-24s  %11s  %10s  %11s  %8s%n";
        out.printf(format, "table", "partitions", "files before -> after", "bytes before -> after", "rows", "duplicates", "quarantined", "time");
        for (Map.Entry<String, java.util.List<StepRecord>> e : byTable.entrySet()) {
            Map<String, Long> m = new java.util.HashMap<>();
            Duration took = Duration.ZERO;
            for (StepRecord s : e.getValue()) {
                s.metrics().forEach((k, v) -> {
                    if (v instanceof Number n) {
                        m.merge(k, n.longValue(), Long::sum);
                    }
                });
                if (s.startedAt() != null && s.endedAt() != null) {
                    took = took.plus(Duration.between(Instant.parse(s.startedAt()), Instant.parse(s.endedAt())));
                }
            }
            long rewritten = m.getOrDefault("partitions_rewritten", 0L);
            long tiered = m.getOrDefault("partitions_tiered", 0L);
            String partitions = (rewritten + tiered) + " rewritten" + (tiered > 0 ? " (" + tiered + " tiered)" : "") + ", "
                    + m.getOrDefault("partitions_unchanged", 0L) + " kept";
            String files = m.getOrDefault("files_in", 0L) + " -> " + m.getOrDefault("files_out", 0L);
            String bytes = bytes(m.getOrDefault("bytes_in", 0L)) + " -> " + bytes(m.getOrDefault("bytes_out", 0L));
            out.printf(format, e.getKey(), partitions, files, bytes, m.getOrDefault("rows_out", m.getOrDefault("rows", 0L)),
                    m.getOrDefault("duplicates_removed", 0L), m.getOrDefault("files_quarantined", 0L), duration(took));
        }
    }

    /** 1.2 GB, 340.5 MB, 12.0 KB, 512 B: powers of 1000, as disk tools print them. */
    static String bytes(long n) {
        if (n < 1000) {
            return n + " B";
        }
        String[] units = {"KB", "MB", "GB", "TB", "PB"};
        double v = n;
        int u = -1;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
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
