package io.duckdag.steps;

import io.duckdag.lake.Compaction;
import io.duckdag.lake.DuckDb;
import io.duckdag.lake.LakeLayout;
import io.duckdag.lake.PartitionCompaction;
import io.duckdag.lake.Verification;
import io.duckdag.lake.Verifier;
import io.duckdag.pipeline.StepConfig;
import io.duckdag.pipeline.TableSpec;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Proves, partition by partition, that what compaction staged holds exactly the rows of the
 * inputs it replaces, with the same columns, sorted, and readable. Reads only; the first
 * difference fails the step, so nothing is swapped.
 */
public final class VerifyStep implements StepExecutor {

    @Override
    public StepResult execute(StepContext ctx) throws Exception {
        StepConfig.Verify config = (StepConfig.Verify) ctx.step().config();
        TableSpec table = ctx.pipeline().table(config.table()).orElseThrow();
        LakeLayout layout = LakeLayout.of(ctx.pipeline());
        Compaction compaction = Compaction.finished(ctx.runDir(), table.name(), ctx.runId(), "compact step");
        List<Verification.VerifiedPartition> verified = new ArrayList<>();
        long rows = 0;
        long removed = 0;
        // A night with nothing compacted opens no DuckDB.
        try (Connection connection = compaction.partitions().isEmpty() ? null : DuckDb.openForLake(ctx.pipeline().settings().duckdb())) {
            Verifier verifier = connection == null ? null : new Verifier(connection);
            int n = 0;
            for (PartitionCompaction p : compaction.partitions()) {
                ctx.cancellation().throwIfCancelled();
                ctx.progress().accept("partition " + (++n) + " of " + compaction.partitions().size() + " (" + p.asPartition().label() + ")");
                Verification.VerifiedPartition v;
                try {
                    v = verifier.verify(table, p, layout.liveTable(table.name()), layout.stagedTable(ctx.runId(), table.name()));
                } catch (SQLException e) {
                    ctx.cancellation().throwIfCancelled();
                    throw new StepFailedException("DuckDB could not verify partition " + p.asPartition().label() + " of "
                            + table.name() + ": " + e.getMessage().strip().lines().findFirst().orElse("")
                            + "; nothing was swapped, and the staged files are kept: resume the run once the cause is fixed");
                }
                ctx.log().println(p.asPartition().label() + ": " + v.rows() + " rows, checksum " + v.checksum()
                        + (v.duplicatesRemoved() > 0 ? ", " + v.duplicatesRemoved() + " duplicate-key rows collapsed" : "") + ": ok");
                verified.add(v);
                rows += v.rows();
                removed += v.duplicatesRemoved();
            }
        }
        new Verification(ctx.runId(), table.name(), verified).save(ctx.runDir());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("partitions_verified", verified.size());
        m.put("rows", rows);
        m.put("duplicates_removed", removed);
        return StepResult.of(m);
    }
}
