package io.duckdag.plan;

import io.duckdag.lake.LakeLayout;
import io.duckdag.pipeline.ExpandedStep;
import io.duckdag.pipeline.Pipeline;
import io.duckdag.pipeline.StepConfig;
import io.duckdag.pipeline.TableSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Says what each step would do for one run, from its configuration and the lake layout alone. */
final class StepDescriber {
    private final Pipeline pipeline;
    private final LakeLayout layout;
    private final String runId;

    StepDescriber(Pipeline pipeline, String runId) {
        this.pipeline = pipeline;
        this.layout = LakeLayout.of(pipeline);
        this.runId = runId;
    }

    StepDescription describe(ExpandedStep step) {
        StepConfig config = step.config();
        if (config instanceof StepConfig.DemoDownload d) {
            return new StepDescription("generate demo files for " + String.join(", ", d.tables()) + " (date " + d.date()
                    + ", seed " + d.seed() + ", " + d.rows() + " rows in " + d.files() + " files per table)",
                    List.of(), d.tables().stream().map(layout::liveTable).toList());
        }
        if (config instanceof StepConfig.HttpDownload h) {
            return new StepDescription("fetch " + h.url() + h.sha256().map(s -> " and check its sha256").orElse(""),
                    List.of(), List.of(h.to()));
        }
        if (config instanceof StepConfig.Shell s) {
            String command = s.script().map(c -> "sh -c " + quoted(c)).orElseGet(() -> String.join(" ", s.argv()));
            Path dir = s.workdir().orElse(Path.of("."));
            return new StepDescription("run " + command + " in " + dir, List.of(), List.of());
        }
        if (config instanceof StepConfig.Sql q) {
            String first = q.sql().strip().lines().findFirst().orElse("");
            String where = q.database().map(db -> "on " + db).orElse("in memory");
            return new StepDescription("run SQL " + where + ": " + first + (q.sql().strip().contains("\n") ? " ..." : ""),
                    List.of(), q.database().map(List::of).orElse(List.of()));
        }
        if (config instanceof StepConfig.Compact c) {
            TableSpec t = pipeline.table(c.table()).orElseThrow();
            return new StepDescription("rewrite " + (c.full() ? "every partition" : "the changed partitions") + " of "
                    + c.table() + " (" + shape(t) + "files up to " + c.targetFileSize() + ", zstd)",
                    List.of(layout.liveTable(c.table())), List.of(layout.stagedTable(runId, c.table())));
        }
        if (config instanceof StepConfig.Verify v) {
            return new StepDescription("check that staged " + v.table() + " holds exactly the rows compaction read, sorted and readable",
                    List.of(layout.stagedTable(runId, v.table()), layout.liveTable(v.table())), List.of());
        }
        if (config instanceof StepConfig.Swap s) {
            return new StepDescription("put the verified partitions of " + s.table() + " live, keeping the replaced ones as a backup",
                    List.of(layout.stagedTable(runId, s.table())),
                    List.of(layout.liveTable(s.table()), layout.backupTable(runId, s.table())));
        }
        StepConfig.SyncMetadata m = (StepConfig.SyncMetadata) config;
        List<Path> reads = new ArrayList<>();
        m.tables().forEach(t -> reads.add(layout.liveTable(t)));
        return new StepDescription("create or replace the views " + String.join(", ", m.tables()) + " in " + layout.metadataDb(),
                reads, List.of(layout.metadataDb()));
    }

    /** "partitioned by year; sorted by ts_code, end_date; one row per ts_code, end_date; " */
    private static String shape(TableSpec t) {
        StringBuilder s = new StringBuilder();
        if (!t.partitionBy().isEmpty()) {
            s.append("partitioned by ").append(String.join(", ", t.partitionBy())).append("; ");
        }
        if (!t.sortBy().isEmpty()) {
            s.append("sorted by ").append(String.join(", ", t.sortBy())).append("; ");
        }
        if (!t.key().isEmpty()) {
            s.append("one row per ").append(String.join(", ", t.key())).append("; ");
        }
        if (!t.columns().isEmpty()) {
            s.append("cast exactly: ").append(t.columns().entrySet().stream().map(c -> c.getKey() + " " + c.getValue())
                    .collect(java.util.stream.Collectors.joining(", "))).append("; ");
        }
        if (t.onUnreadable() == TableSpec.OnUnreadable.QUARANTINE) {
            s.append("unreadable files quarantined; ");
        }
        return s.toString();
    }

    private static String quoted(String command) {
        String oneLine = command.strip().replace("\n", "; ");
        return "'" + (oneLine.length() > 80 ? oneLine.substring(0, 77) + "..." : oneLine) + "'";
    }
}
