package io.duckdag.cli;

import io.duckdag.state.RunRecord;
import io.duckdag.state.StepRecord;
import io.duckdag.state.StepStatus;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One run as a single self-contained HTML page: the DAG with each step's status, a timeline of
 * the steps and their attempts, per-table numbers before and after, and the failures. Everything
 * is inline (CSS, SVG), nothing is fetched, and every text that comes from the run is escaped.
 */
final class ReportHtml {
    private static final int NODE_HEIGHT = 34;
    private static final int ROW_GAP = 14;
    private static final int COLUMN_GAP = 56;
    private static final int GANTT_LABEL = 220;
    private static final int GANTT_WIDTH = 860;
    private static final int GANTT_ROW = 22;

    /**
     * What the page shows: the record, each step's upstream steps (from the pipeline; steps of the
     * record the pipeline no longer has have none), and each step's attempt start times from its log.
     */
    record Input(RunRecord record, Map<String, List<String>> upstream, Map<String, List<Instant>> attemptStarts, ZoneId zone) {
        Input {
            upstream = Map.copyOf(upstream);
            attemptStarts = Map.copyOf(attemptStarts);
        }
    }

    private ReportHtml() {
    }

    static String render(Input in) {
        RunRecord r = in.record();
        StringBuilder h = new StringBuilder(16_384);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                // an empty icon, so that a browser asks for nothing at all
                .append("<link rel=\"icon\" href=\"data:,\">\n")
                .append("<title>duckdag run ").append(esc(r.runId())).append(" of ").append(esc(r.pipeline())).append("</title>\n")
                .append("<style>").append(CSS).append("</style>\n</head>\n<body>\n");
        h.append("<h1>Pipeline <code>").append(esc(r.pipeline())).append("</code>, run <code>").append(esc(r.runId()))
                .append("</code> <span class=\"badge s-").append(r.status().word()).append("\">").append(esc(r.status().word()))
                .append("</span></h1>\n<p class=\"meta\">started ").append(esc(RunTable.time(r.startedAt(), in.zone())));
        if (r.endedAt() != null) {
            h.append(", ended ").append(esc(RunTable.time(r.endedAt(), in.zone())));
        }
        if (!r.resumedAt().isEmpty()) {
            h.append(", resumed ").append(r.resumedAt().size()).append("x");
        }
        h.append(" &middot; ").append(r.steps().size()).append(" steps");
        if (r.file() != null) {
            h.append(" &middot; file <code>").append(esc(r.file())).append("</code>");
        }
        if (!r.params().isEmpty()) {
            h.append(" &middot; params <code>").append(esc(r.params().toString())).append("</code>");
        }
        h.append("</p>\n");
        h.append("<p class=\"legend\">");
        for (StepStatus s : StepStatus.values()) {
            h.append("<span class=\"key s-").append(s.word()).append("\">").append(s.word()).append("</span> ");
        }
        h.append("</p>\n");

        h.append("<h2>Graph</h2>\n<div class=\"scroll\">").append(dag(in)).append("</div>\n");
        h.append("<h2>Timeline</h2>\n<div class=\"scroll\">").append(gantt(in)).append("</div>\n");
        String tables = tables(r);
        if (!tables.isEmpty()) {
            h.append("<h2>Tables</h2>\n<div class=\"tables\">").append(tables).append("</div>\n");
        }
        h.append(failures(r));
        h.append(steps(r, in.zone()));
        h.append("<p class=\"meta\">Written by duckdag report.</p>\n<script>").append(SCRIPT).append("</script>\n</body>\n</html>\n");
        return h.toString();
    }

    /** The DAG laid out by level: one column per level, the steps of a level in record order. */
    private static String dag(Input in) {
        RunRecord r = in.record();
        Map<String, Integer> level = new HashMap<>();
        // The record lists steps in plan order (dependencies first); a pass per step is enough anyway.
        for (int pass = 0; pass < 2; pass++) {
            for (String id : r.steps().keySet()) {
                int l = 0;
                for (String up : in.upstream().getOrDefault(id, List.of())) {
                    if (r.steps().containsKey(up)) {
                        l = Math.max(l, level.getOrDefault(up, 0) + 1);
                    }
                }
                level.put(id, l);
            }
        }
        Map<Integer, List<String>> columns = new java.util.TreeMap<>();
        r.steps().keySet().forEach(id -> columns.computeIfAbsent(level.get(id), k -> new ArrayList<>()).add(id));
        int longest = r.steps().keySet().stream().mapToInt(String::length).max().orElse(4);
        int nodeWidth = Math.min(320, Math.max(110, longest * 8 + 24));
        int rows = columns.values().stream().mapToInt(List::size).max().orElse(1);
        int width = columns.size() * (nodeWidth + COLUMN_GAP) - COLUMN_GAP + 20;
        int height = rows * (NODE_HEIGHT + ROW_GAP) - ROW_GAP + 20;
        Map<String, int[]> at = new LinkedHashMap<>();
        columns.forEach((col, ids) -> {
            // centre short columns against the tallest one
            int top = 10 + (rows - ids.size()) * (NODE_HEIGHT + ROW_GAP) / 2;
            for (int i = 0; i < ids.size(); i++) {
                at.put(ids.get(i), new int[] {10 + col * (nodeWidth + COLUMN_GAP), top + i * (NODE_HEIGHT + ROW_GAP)});
            }
        });
        StringBuilder s = new StringBuilder();
        s.append("<svg id=\"dag\" width=\"").append(Math.max(width, 200))
                .append("\" height=\"").append(Math.max(height, 60)).append("\" role=\"img\" aria-label=\"the steps and their dependencies\">\n");
        for (String id : r.steps().keySet()) {
            int[] to = at.get(id);
            for (String up : in.upstream().getOrDefault(id, List.of())) {
                int[] from = at.get(up);
                if (from == null) {
                    continue;
                }
                int x1 = from[0] + nodeWidth;
                int y1 = from[1] + NODE_HEIGHT / 2;
                int x2 = to[0];
                int y2 = to[1] + NODE_HEIGHT / 2;
                int mid = (x1 + x2) / 2;
                s.append("<path class=\"edge\" d=\"M").append(x1).append(' ').append(y1).append(" C").append(mid).append(' ').append(y1)
                        .append(' ').append(mid).append(' ').append(y2).append(' ').append(x2 - 4).append(' ').append(y2).append("\"/>\n");
            }
        }
        Map<String, Integer> rowOf = new HashMap<>();
        r.steps().keySet().forEach(id -> rowOf.put(id, rowOf.size()));
        for (Map.Entry<String, int[]> e : at.entrySet()) {
            StepRecord step = r.steps().get(e.getKey());
            int x = e.getValue()[0];
            int y = e.getValue()[1];
            String label = e.getKey().length() * 8 + 24 > nodeWidth ? e.getKey().substring(0, (nodeWidth - 24) / 8 - 1) + "\u2026" : e.getKey();
            s.append("<g class=\"node s-").append(step.status().word()).append("\" data-row=\"step-").append(rowOf.get(e.getKey()))
                    .append("\"><title>").append(esc(e.getKey())).append(": ")
                    .append(step.status().word()).append(RunTable.duration(step).map(d -> ", " + d).orElse("")).append("</title>")
                    .append("<rect x=\"").append(x).append("\" y=\"").append(y).append("\" width=\"").append(nodeWidth)
                    .append("\" height=\"").append(NODE_HEIGHT).append("\" rx=\"6\"/>")
                    .append("<text x=\"").append(x + 12).append("\" y=\"").append(y + NODE_HEIGHT / 2 + 5).append("\">")
                    .append(esc(label)).append("</text></g>\n");
        }
        return s.append("</svg>").toString();
    }

    /** One row per step, one bar per attempt: an earlier attempt lasts until the next one started. */
    private static String gantt(Input in) {
        RunRecord r = in.record();
        Map<String, List<Instant[]>> bars = new LinkedHashMap<>();
        Instant first = null;
        Instant last = null;
        for (StepRecord step : r.steps().values()) {
            List<Instant[]> list = new ArrayList<>();
            Instant start = instant(step.startedAt());
            Instant end = instant(step.endedAt());
            for (Instant attempt : in.attemptStarts().getOrDefault(step.id(), List.of())) {
                if (start == null || attempt.isBefore(start)) {
                    list.add(new Instant[] {attempt, null});
                }
            }
            for (int i = 0; i < list.size(); i++) {
                list.get(i)[1] = i + 1 < list.size() ? list.get(i + 1)[0] : start != null ? start : list.get(i)[0];
            }
            if (start != null) {
                list.add(new Instant[] {start, end});
            }
            bars.put(step.id(), list);
            for (Instant[] b : list) {
                first = first == null || b[0].isBefore(first) ? b[0] : first;
                Instant e = b[1] == null ? b[0] : b[1];
                last = last == null || e.isAfter(last) ? e : last;
            }
        }
        if (first == null) {
            return "<p>No step has started in this run.</p>";
        }
        long span = Math.max(1, Duration.between(first, last).toMillis());
        int height = bars.size() * GANTT_ROW + 30;
        StringBuilder s = new StringBuilder();
        s.append("<svg id=\"timeline\" width=\"").append(GANTT_LABEL + GANTT_WIDTH + 20)
                .append("\" height=\"").append(height).append("\" role=\"img\" aria-label=\"when each step ran\">\n");
        for (int t = 0; t <= 4; t++) {
            int x = GANTT_LABEL + t * GANTT_WIDTH / 4;
            s.append("<line class=\"grid\" x1=\"").append(x).append("\" y1=\"0\" x2=\"").append(x).append("\" y2=\"").append(height - 18)
                    .append("\"/><text class=\"tick").append(t == 4 ? " end" : "").append("\" x=\"").append(x).append("\" y=\"").append(height - 4).append("\">+")
                    .append(RunTable.duration(Duration.ofMillis(span * t / 4))).append("</text>\n");
        }
        int row = 0;
        for (Map.Entry<String, List<Instant[]>> e : bars.entrySet()) {
            StepRecord step = r.steps().get(e.getKey());
            int y = row * GANTT_ROW + 4;
            s.append("<text class=\"label\" x=\"").append(GANTT_LABEL - 8).append("\" y=\"").append(y + 14).append("\">")
                    .append(esc(e.getKey())).append("</text>\n");
            List<Instant[]> list = e.getValue();
            for (int i = 0; i < list.size(); i++) {
                Instant[] b = list.get(i);
                boolean lastAttempt = i == list.size() - 1;
                Instant end = b[1] == null ? last : b[1];
                double x = GANTT_LABEL + (double) GANTT_WIDTH * Duration.between(first, b[0]).toMillis() / span;
                double w = Math.max(3, (double) GANTT_WIDTH * Duration.between(b[0], end).toMillis() / span);
                String cls = lastAttempt ? "s-" + step.status().word() : "retried";
                s.append("<rect class=\"bar ").append(cls).append("\" x=\"").append(fmt(x)).append("\" y=\"").append(y + 2)
                        .append("\" width=\"").append(fmt(w)).append("\" height=\"").append(GANTT_ROW - 6).append("\"><title>")
                        .append(esc(e.getKey())).append(list.size() > 1 ? " attempt " + (i + 1) + " of " + list.size() : "")
                        .append(": ").append(lastAttempt ? step.status().word() : "failed, retried")
                        .append(", ").append(RunTable.duration(Duration.between(b[0], end)))
                        .append(lastAttempt && b[1] == null ? " (no end recorded)" : "").append("</title></rect>\n");
            }
            row++;
        }
        return s.append("</svg>").toString();
    }

    /** Per table the lake steps touched: files, bytes and rows before and after, as pairs of bars. */
    private static String tables(RunRecord r) {
        Map<String, Map<String, Long>> byTable = new LinkedHashMap<>();
        for (StepRecord s : r.steps().values()) {
            if (s.config().get("table") instanceof Map<?, ?> t && t.get("name") instanceof String name && !s.metrics().isEmpty()) {
                Map<String, Long> m = byTable.computeIfAbsent(name, k -> new HashMap<>());
                s.metrics().forEach((k, v) -> {
                    if (v instanceof Number n) {
                        m.merge(k, n.longValue(), Long::sum);
                    }
                });
            }
        }
        StringBuilder h = new StringBuilder();
        for (Map.Entry<String, Map<String, Long>> e : byTable.entrySet()) {
            Map<String, Long> m = e.getValue();
            if (!m.containsKey("files_in") && !m.containsKey("files_out")) {
                continue;
            }
            h.append("<figure class=\"table\"><figcaption>").append(esc(e.getKey())).append("</figcaption>");
            h.append(pair("files", m.getOrDefault("files_in", 0L), m.getOrDefault("files_out", 0L), Long::toString));
            h.append(pair("bytes", m.getOrDefault("bytes_in", 0L), m.getOrDefault("bytes_out", 0L), RunTable::bytes));
            long rowsOut = m.getOrDefault("rows_out", m.getOrDefault("rows", 0L));
            h.append(pair("rows", m.getOrDefault("rows_in", rowsOut), rowsOut, Long::toString));
            h.append("<p class=\"meta\">partitions: ").append(m.getOrDefault("partitions_rewritten", 0L) + m.getOrDefault("partitions_tiered", 0L))
                    .append(" rewritten, ").append(m.getOrDefault("partitions_unchanged", 0L)).append(" kept");
            if (m.getOrDefault("duplicates_removed", 0L) > 0) {
                h.append(", ").append(m.get("duplicates_removed")).append(" duplicate rows collapsed");
            }
            if (m.getOrDefault("files_quarantined", 0L) > 0) {
                h.append(", ").append(m.get("files_quarantined")).append(" files quarantined");
            }
            h.append("</p></figure>\n");
        }
        return h.toString();
    }

    private static String pair(String what, long before, long after, java.util.function.LongFunction<String> format) {
        long max = Math.max(1, Math.max(before, after));
        StringBuilder s = new StringBuilder();
        s.append("<svg class=\"pair\" width=\"300\" height=\"48\" role=\"img\" aria-label=\"")
                .append(what).append(" before and after\">");
        s.append("<text class=\"what\" x=\"0\" y=\"12\">").append(what).append("</text>");
        long[] values = {before, after};
        String[] names = {"before", "after"};
        for (int i = 0; i < 2; i++) {
            int y = 16 + i * 16;
            double w = Math.max(1, 170.0 * values[i] / max);
            s.append("<text class=\"tick\" x=\"0\" y=\"").append(y + 11).append("\">").append(names[i]).append("</text>")
                    .append("<rect class=\"").append(names[i]).append("\" x=\"48\" y=\"").append(y + 2).append("\" width=\"").append(fmt(w))
                    .append("\" height=\"12\"/>")
                    .append("<text class=\"num\" x=\"").append(fmt(52 + w)).append("\" y=\"").append(y + 12).append("\">")
                    .append(esc(format.apply(values[i]))).append("</text>");
        }
        return s.append("</svg>").toString();
    }

    private static String failures(RunRecord r) {
        List<StepRecord> failed = r.steps().values().stream()
                .filter(s -> s.status() == StepStatus.FAILED || s.status() == StepStatus.INTERRUPTED || s.status() == StepStatus.UPSTREAM_FAILED)
                .toList();
        if (failed.isEmpty()) {
            return "<h2>Failures</h2>\n<p>None.</p>\n";
        }
        StringBuilder h = new StringBuilder("<h2>Failures</h2>\n<ul class=\"failures\">\n");
        for (StepRecord s : failed) {
            h.append("<li><code>").append(esc(s.id())).append("</code> <span class=\"badge s-").append(s.status().word()).append("\">")
                    .append(s.status().word()).append("</span>");
            String message = s.error() != null ? s.error() : s.reason();
            if (message != null) {
                h.append("<pre>").append(esc(message)).append("</pre>");
            }
            h.append("</li>\n");
        }
        return h.append("</ul>\n").toString();
    }

    private static String steps(RunRecord r, ZoneId zone) {
        StringBuilder h = new StringBuilder("<h2>Steps</h2>\n<table class=\"steps\">\n<thead><tr><th>step</th><th>status</th>"
                + "<th>started</th><th>duration</th><th>attempts</th><th>details</th></tr></thead>\n<tbody>\n");
        int row = 0;
        for (StepRecord s : r.steps().values()) {
            String details = s.error() != null ? s.error() : !s.metrics().isEmpty() ? RunTable.metrics(s.metrics()).strip() : s.reason() == null ? "" : s.reason();
            h.append("<tr id=\"step-").append(row++).append("\"><td><code>").append(esc(s.id())).append("</code></td><td><span class=\"badge s-").append(s.status().word())
                    .append("\">").append(s.status().word()).append("</span></td><td>").append(esc(RunTable.time(s.startedAt(), zone)))
                    .append("</td><td class=\"n\">").append(RunTable.duration(s).orElse("-")).append("</td><td class=\"n\">")
                    .append(s.attempts() == 0 ? "-" : Integer.toString(s.attempts())).append("</td><td>").append(esc(details))
                    .append("</td></tr>\n");
        }
        return h.append("</tbody>\n</table>\n").toString();
    }

    /** Text for HTML content and attribute values: the five characters that could end either. */
    static String esc(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    private static Instant instant(String text) {
        return text == null ? null : Instant.parse(text);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /** A click on a step of the graph shows its row in the table of steps. */
    private static final String SCRIPT = """
            document.querySelectorAll('[data-row]').forEach(function (node) {
              node.addEventListener('click', function () {
                var row = document.getElementById(node.getAttribute('data-row'));
                document.querySelectorAll('tr.hl').forEach(function (r) { r.classList.remove('hl'); });
                row.classList.add('hl');
                row.scrollIntoView({block: 'center'});
              });
            });
            """;

    private static final String CSS = """
            body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1f2328;background:#fff}
            h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
            code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
            pre{white-space:pre-wrap;background:#fff5f5;border:1px solid #f5c2c7;padding:8px;margin:6px 0 12px}
            .meta{color:#57606a}.scroll{overflow-x:auto}
            .badge,.key{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;color:#fff;background:#6e7781}
            .s-succeeded{background:#1a7f37;fill:#1a7f37}.s-failed{background:#cf222e;fill:#cf222e}
            .s-running{background:#0969da;fill:#0969da}.s-pending{background:#8c959f;fill:#8c959f}
            .s-skipped{background:#afb8c1;fill:#afb8c1}.s-upstream_failed{background:#bc4c00;fill:#bc4c00}
            .s-interrupted{background:#8250df;fill:#8250df}
            .node text{fill:#fff;font:600 13px ui-monospace,monospace}.node rect{stroke:#1f2328;stroke-opacity:.25}
            .node.s-skipped text,.node.s-pending text{fill:#1f2328}
            .edge{fill:none;stroke:#57606a;stroke-width:1.5}
            .grid{stroke:#d0d7de}.tick{fill:#57606a;font-size:11px}.tick.end{text-anchor:end}.label{text-anchor:end;font:12px ui-monospace,monospace;fill:#1f2328}
            .bar.retried{fill:#ff8182}
            .tables{display:flex;flex-wrap:wrap;gap:16px}.table{margin:0;border:1px solid #d0d7de;border-radius:6px;padding:8px 12px}
            figure.table p{margin:4px 0 0}figcaption{font-weight:600;font-family:ui-monospace,monospace}.what{font-size:12px;font-weight:600}
            .before{fill:#8c959f}.after{fill:#0969da}.num{font-size:11px;fill:#1f2328}
            table.steps{border-collapse:collapse}table.steps td,table.steps th{border-bottom:1px solid #d0d7de;padding:4px 10px;text-align:left;vertical-align:top}
            td.n{text-align:right}tr.hl{background:#fff8c5}.node{cursor:pointer}ul.failures{padding-left:18px}
            """;
}
