package io.duckdag.engine;

import io.duckdag.DuckdagException;
import io.duckdag.ExitCode;
import io.duckdag.Failpoints;
import io.duckdag.lake.Housekeeping;
import io.duckdag.lake.LakeFile;
import io.duckdag.lake.LakeLayout;
import io.duckdag.lake.Partition;
import io.duckdag.lake.SwapRecord;
import io.duckdag.lake.TableManifest;
import io.duckdag.pipeline.Pipeline;
import io.duckdag.state.Journal;
import io.duckdag.state.PipelineLock;
import io.duckdag.state.TableLocks;
import io.duckdag.state.RunRecord;
import io.duckdag.state.RunStatus;
import io.duckdag.state.RunStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The commands that change the lake outside a run: rollback and gc. Each takes the pipeline's
 * lock and first finishes any swap a dead run left half done.
 */
public final class Maintenance {
    private final Clock clock;
    private final Failpoints failpoints;

    public Maintenance(Clock clock, Failpoints failpoints) {
        this.clock = clock;
        this.failpoints = failpoints;
    }

    /**
     * Puts back the files that a run's swap of {@code table} replaced, through the journal. The
     * compacted files it put live go to that run's backup folder (under {@code rolled-back/}).
     * Files that arrived since stay live. Returns one line per partition.
     */
    public List<String> rollback(Pipeline pipeline, String table, Optional<String> runId, Consumer<String> progress) {
        if (pipeline.table(table).isEmpty()) {
            throw DuckdagException.usage("--table " + table + ": the pipeline declares no table '" + table + "' (tables: "
                    + String.join(", ", pipeline.tableNames()) + ")");
        }
        RunStore store = new RunStore(pipeline.settings().stateDir(), pipeline.name());
        try (PipelineLock lock = PipelineLock.acquire(store.root(), pipeline.name(), "rollback", clock.instant());
             TableLocks tables = TableLocks.acquire(LakeLayout.of(pipeline).lake(), Set.of(table), pipeline.name(), "rollback",
                     clock.instant())) {
            Journal journal = new Journal(store.root(), failpoints);
            journal.recover().forEach(d -> progress.accept("finished an interrupted " + d));
            SwapRecord swap = findSwap(store, table, runId);
            LakeLayout layout = LakeLayout.of(pipeline);
            Path live = layout.liveTable(table);
            List<String> done = new ArrayList<>();
            for (SwapRecord.SwappedPartition p : swap.partitions()) {
                Path dir = new Partition(Map.of(), p.partition()).dirIn(live);
                String label = "partition " + p.partition() + " of " + table;
                for (LakeFile f : p.live()) {
                    if (!Files.isRegularFile(dir.resolve(f.name()))) {
                        throw DuckdagException.usage(label + ": " + f.name() + ", which run " + swap.runId()
                                + " put live, is no longer there (a later run replaced it); roll back the later run first");
                    }
                }
                for (SwapRecord.Backup b : p.backedUp()) {
                    if (!Files.isRegularFile(Path.of(b.path()))) {
                        throw DuckdagException.usage(label + ": the backup " + b.path() + " is gone (removed by keep_backups, gc or by hand); "
                                + "this run cannot be rolled back");
                    }
                    if (Files.exists(dir.resolve(b.name()))) {
                        throw DuckdagException.usage(label + ": a file named " + b.name() + " is live again; move it away first, "
                                + "then roll back");
                    }
                }
            }
            for (SwapRecord.SwappedPartition p : swap.partitions()) {
                Path dir = new Partition(Map.of(), p.partition()).dirIn(live);
                Path aside = layout.backupTable(swap.runId(), table).resolve("rolled-back").resolve(p.partition());
                List<Journal.Move> moves = new ArrayList<>();
                for (LakeFile f : p.live()) {
                    moves.add(Journal.Move.required(dir.resolve(f.name()), aside.resolve(f.name())));
                }
                for (SwapRecord.Backup b : p.backedUp()) {
                    moves.add(Journal.Move.required(Path.of(b.path()), dir.resolve(b.name())));
                }
                // A quarantined file the user already deleted (it was unreadable) is not needed back.
                for (SwapRecord.Backup q : p.quarantined()) {
                    if (Files.isRegularFile(Path.of(q.path())) && !Files.exists(dir.resolve(q.name()))) {
                        moves.add(Journal.Move.required(Path.of(q.path()), dir.resolve(q.name())));
                    } else {
                        progress.accept(p.partition() + ": the quarantined " + q.name() + " is no longer in " + Path.of(q.path()).getParent()
                                + " (or its name is live again); not put back");
                    }
                }
                TableManifest manifest = TableManifest.load(store.root(), table).with(p.partition(), null);
                SwapRecord rest = SwapRecord.load(store.runDir(swap.runId()), table).orElse(swap).without(p.partition());
                try {
                    journal.apply(new Journal.Entry("rollback of partition " + p.partition() + " of " + table + " (run " + swap.runId() + ")",
                            moves, List.of(
                            Journal.Write.of(TableManifest.file(store.root(), table), manifest.json()),
                            Journal.Write.of(SwapRecord.file(store.runDir(swap.runId()), table), rest.json()))),
                            "rollback:" + table);
                } catch (Journal.AbortedException undone) {
                    throw new DuckdagException(ExitCode.STEP_FAILED, "rollback of partition " + p.partition() + " of " + table
                            + " stopped: " + undone.getMessage() + "; that partition was left as it was");
                }
                String line = p.partition() + ": " + p.backedUp().size() + " files put back"
                        + (p.quarantined().isEmpty() ? "" : " and " + p.quarantined().size() + " from the quarantine") + ", " + p.live().size()
                        + " compacted files moved to " + aside;
                progress.accept(line);
                done.add(line);
            }
            return done;
        }
    }

    private static SwapRecord findSwap(RunStore store, String table, Optional<String> runId) {
        if (runId.isPresent()) {
            RunRecord run = store.load(runId.get()).orElseThrow(() -> DuckdagException.usage("there is no run " + runId.get()
                    + " in " + store.root() + "; 'duckdag runs FILE' lists the runs"));
            return SwapRecord.load(store.runDir(run.runId()), table).filter(s -> !s.partitions().isEmpty())
                    .orElseThrow(() -> DuckdagException.usage("run " + run.runId() + " put no partition of " + table
                            + " live (or it was rolled back already); nothing to roll back"));
        }
        List<RunRecord> runs = store.list();
        for (int i = runs.size() - 1; i >= 0; i--) {
            Optional<SwapRecord> s = SwapRecord.load(store.runDir(runs.get(i).runId()), table).filter(x -> !x.partitions().isEmpty());
            if (s.isPresent()) {
                return s.get();
            }
        }
        throw DuckdagException.usage("no run has put a partition of " + table + " live (or all were rolled back); nothing to roll back");
    }

    /** Removes staging of runs that cannot be resumed any more and backups beyond keep_backups. */
    public List<String> gc(Pipeline pipeline, Consumer<String> progress) {
        RunStore store = new RunStore(pipeline.settings().stateDir(), pipeline.name());
        try (PipelineLock lock = PipelineLock.acquire(store.root(), pipeline.name(), "gc", clock.instant(),
                "run gc after it finishes")) {
            new Journal(store.root(), failpoints).recover().forEach(d -> progress.accept("finished an interrupted " + d));
            List<String> removed = new ArrayList<>();
            LakeLayout layout = LakeLayout.of(pipeline);
            // Only staging of runs known to have succeeded: an unknown folder may be another
            // tool's, and a failed or killed run may still be resumed (and swapped) from it.
            for (Path p : Housekeeping.pruneStaging(layout.staging(),
                    id -> store.load(id).map(r -> r.status() == RunStatus.SUCCEEDED).orElse(false), failpoints)) {
                removed.add("staging " + p);
            }
            for (Path p : Housekeeping.pruneBackups(layout.backups(), pipeline.settings().keepBackups(), failpoints)) {
                removed.add("backup " + p);
            }
            removed.forEach(r -> progress.accept("removed " + r));
            return removed;
        }
    }
}
