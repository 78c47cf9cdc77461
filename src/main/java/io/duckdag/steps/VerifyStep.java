package io.duckdag.steps;

import io.duckdag.kind.Impact;
import io.duckdag.kind.PlanContext;
import io.duckdag.kind.StepContext;
import io.duckdag.kind.StepDescription;
import io.duckdag.kind.StepFailedException;
import io.duckdag.kind.KindBase;
import io.duckdag.kind.StepResult;
import io.duckdag.lake.Compaction;
import io.duckdag.lake.DuckDb;
import io.duckdag.lake.LakeLayout;
import io.duckdag.lake.PartitionCompaction;
import io.duckdag.lake.Verification;
import io.duckdag.lake.Verifier;
import io.duckdag.pipeline.Binding;
import io.duckdag.pipeline.Node;
import io.duckdag.pipeline.Pipeline;
import io.duckdag.pipeline.TableSpec;
import io.duckdag.state.StepRecord;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Proves, partition by partition, that what compaction staged holds exactly the rows of the
 * inputs it replaces, with the same columns, sorted, and readable. Reads only; the first
 * difference fails the step, so nothing is swapped.
 */
public final class VerifyStep extends KindBase<OneTable> {
    public VerifyStep() {
        super("verify", OneTable.class, Role.READS_LAKE, OneTable.WITH_KEYS);
    }

    @Override
    public OneTable bind(Node.Mapping with, Binding binding) {
        return OneTable.bind(with, binding);
    }

    @Override
    public void fingerprint(OneTable config, Pipeline pipeline, Map<String, Object> into) {
        LakeLook.tableFingerprint(config.table(), pipeline, into);
    }

    @Override
    public List<String> needsColumnsOf(OneTable config) {
        return List.of(config.table());
    }

    @Override
    public StepDescription describe(OneTable v, PlanContext context) {
        return new StepDescription("check that staged " + v.table() + " holds exactly the rows compaction read, sorted and readable",
                List.of(context.layout().stagedTable(context.runId(), v.table()), context.layout().liveTable(v.table())), List.of());
    }

    @Override
    public Impact impact(OneTable v, PlanContext context) {
        LakeLook look = LakeLook.of(context);
        Optional<Impact> noLake = look.noLake();
        if (noLake.isPresent()) {
            return noLake.get();
        }
        LakeLook.Changes ch = look.changes(v.table(), false);
        return new Impact(List.of("checks " + ch.rewrite().size() + " partitions (row count, checksum, columns, order, readability)"),
                LakeLook.numbers("partitions", ch.rewrite().size()));
    }

    @Override
    public Optional<String> staleCheckpoint(OneTable v, StepRecord record, PlanContext context) {
        Optional<Verification> verification = Verification.load(context.runDir(), v.table());
        if (verification.isEmpty()) {
            return Optional.of("its verification record of run " + context.runId() + " is missing");
        }
        return LakeLook.of(context).missingOutputs(v.table(), context.runDir(), verification.get().partitions().stream()
                .map(p -> Map.entry(p.partition(), p.outputs())).toList());
    }

    @Override
    public StepResult execute(OneTable config, StepContext ctx) throws Exception {
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
