package io.duckdag.steps;

import io.duckdag.kind.Impact;
import io.duckdag.kind.PlanContext;
import io.duckdag.kind.StepContext;
import io.duckdag.kind.StepDescription;
import io.duckdag.kind.StepFailedException;
import io.duckdag.kind.KindBase;
import io.duckdag.kind.StepResult;
import io.duckdag.lake.Compaction;
import io.duckdag.lake.LakeFile;
import io.duckdag.lake.LakeLayout;
import io.duckdag.lake.LakeScanner;
import io.duckdag.lake.Partition;
import io.duckdag.lake.PartitionCompaction;
import io.duckdag.lake.StagedFile;
import io.duckdag.lake.SwapRecord;
import io.duckdag.lake.TableManifest;
import io.duckdag.lake.UnreadableFile;
import io.duckdag.lake.Verification;
import io.duckdag.pipeline.Binding;
import io.duckdag.pipeline.Node;
import io.duckdag.pipeline.Pipeline;
import io.duckdag.pipeline.TableSpec;
import io.duckdag.state.DurableFiles;
import io.duckdag.state.Journal;
import io.duckdag.state.StepRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Puts verified partitions live, one partition at a time, through the {@link Journal}: the
 * staged files are renamed into the live partition and exactly the files compaction read are
 * renamed into this run's backup. Files that arrived in the live partition after compaction
 * listed it are not touched, so they stay live (and are compacted next time). Folders are never
 * moved, so a downloader writing into the partition meanwhile loses nothing.
 */
public final class SwapStep extends KindBase<OneTable> {
    public SwapStep() {
        super("swap", OneTable.class, Role.CHANGES_LAKE, OneTable.WITH_KEYS);
    }

    @Override
    public OneTable bind(Node.Mapping with, Binding binding) {
        return OneTable.bind(with, binding);
    }

    @Override
    public List<String> tablesChanged(OneTable config) {
        return List.of(config.table());
    }

    @Override
    public void fingerprint(OneTable config, Pipeline pipeline, Map<String, Object> into) {
        LakeLook.tableFingerprint(config.table(), pipeline, into);
    }

    @Override
    public StepDescription describe(OneTable s, PlanContext context) {
        return new StepDescription("put the verified partitions of " + s.table() + " live, keeping the replaced ones as a backup",
                List.of(context.layout().stagedTable(context.runId(), s.table())),
                List.of(context.layout().liveTable(s.table()), context.layout().backupTable(context.runId(), s.table())));
    }

    @Override
    public Impact impact(OneTable s, PlanContext context) {
        LakeLook look = LakeLook.of(context);
        Optional<Impact> noLake = look.noLake();
        if (noLake.isPresent()) {
            return noLake.get();
        }
        LakeLook.Changes ch = look.changes(s.table(), false);
        long files = look.inputsOf(s.table(), false).values().stream().mapToLong(List::size).sum();
        return new Impact(List.of("puts " + ch.rewrite().size() + " partitions live and moves their " + files + " current files to "
                + context.layout().backupTable(context.runId(), s.table()) + "; files that arrive meanwhile stay live"),
                LakeLook.numbers("partitions", ch.rewrite().size(), "files", files));
    }

    @Override
    public Optional<String> staleCheckpoint(OneTable s, StepRecord record, PlanContext context) {
        Optional<SwapRecord> swap = SwapRecord.load(context.runDir(), s.table());
        Optional<Compaction> compaction = Compaction.load(context.runDir(), s.table());
        if (compaction.isPresent() && !compaction.get().partitions().isEmpty() && swap.isEmpty()) {
            return Optional.of("its swap record of run " + context.runId() + " is missing");
        }
        for (SwapRecord.SwappedPartition p : swap.map(SwapRecord::partitions).orElse(List.of())) {
            Path dir = new Partition(Map.of(), p.partition()).dirIn(context.layout().liveTable(s.table()));
            for (LakeFile f : p.live()) {
                if (!LakeLook.sameSize(dir.resolve(f.name()), f.size())) {
                    return Optional.of("live partition " + p.partition() + " of " + s.table() + " no longer holds " + f.name());
                }
            }
        }
        return Optional.empty();
    }

    @Override
    public StepResult execute(OneTable config, StepContext ctx) throws Exception {
        TableSpec table = ctx.pipeline().table(config.table()).orElseThrow();
        LakeLayout layout = LakeLayout.of(ctx.pipeline());
        Compaction compaction = Compaction.finished(ctx.runDir(), table.name(), ctx.runId(), "compact and verify steps");
        Verification verification = Verification.load(ctx.runDir(), table.name())
                .orElseThrow(() -> new StepFailedException("table " + table.name() + " was not verified in run " + ctx.runId()
                        + "; run its verify step first: nothing unverified is swapped"));
        Path live = layout.liveTable(table.name());
        Path staged = layout.stagedTable(ctx.runId(), table.name());
        Path backup = layout.backupTable(ctx.runId(), table.name());
        Path quarantine = layout.quarantineTable(ctx.runId(), table.name());
        if (!compaction.partitions().isEmpty()) {
            sameFileSystem(live, staged, layout.backups());
        }
        if (compaction.partitions().stream().anyMatch(c -> !c.quarantined().isEmpty())) {
            sameFileSystem(live, staged, layout.quarantine());
        }
        Journal journal = new Journal(ctx.pipelineStateDir(), ctx.failpoints());
        int swapped = 0;
        int late = 0;
        int backedUp = 0;
        int quarantined = 0;
        for (PartitionCompaction c : compaction.partitions()) {
            ctx.cancellation().throwIfCancelled();
            String label = "partition " + c.asPartition().label() + " of " + table.name();
            SwapRecord record = SwapRecord.load(ctx.runDir(), table.name())
                    .orElse(new SwapRecord(ctx.runId(), table.name(), List.of()));
            Verification.VerifiedPartition v = verification.partition(c.partition()).orElseThrow(() ->
                    new StepFailedException(label + " was compacted but not verified; run verify again"));
            List<String> verifiedNames = v.outputs().stream().map(StagedFile::name).toList();
            Optional<SwapRecord.SwappedPartition> earlier = record.partition(c.partition())
                    .filter(r -> r.live().stream().map(LakeFile::name).toList().equals(verifiedNames));
            if (earlier.isPresent()) {
                // This very output was put live by an earlier attempt; trust that only if it is there.
                for (LakeFile f : earlier.get().live()) {
                    if (!Files.isRegularFile(c.asPartition().dirIn(live).resolve(f.name()))) {
                        throw new StepFailedException(label + ": " + f.name() + ", which this run put live, is gone from "
                                + c.asPartition().dirIn(live) + "; restore it from " + staged + " or the backup before going on");
                    }
                }
                continue;
            }
            Path liveDir = c.asPartition().dirIn(live);
            Path stagedDir = c.asPartition().dirIn(staged);
            Path backupDir = c.asPartition().dirIn(backup);
            for (StagedFile f : v.outputs()) {
                Path p = stagedDir.resolve(f.name());
                if (!Files.isRegularFile(p) || Files.size(p) != f.size()) {
                    throw new StepFailedException(label + ": staged file " + p + " changed after it was verified; nothing was swapped. "
                            + "Run the pipeline again");
                }
            }
            Map<String, LakeFile> now = LakeScanner.files(liveDir).stream()
                    .collect(Collectors.toMap(LakeFile::name, f -> f, (a, b) -> a, LinkedHashMap::new));
            List<LakeFile> movedOut = new ArrayList<>(c.inputs());
            c.quarantined().forEach(q -> movedOut.add(q.file()));
            for (LakeFile input : movedOut) {
                LakeFile current = now.get(input.name());
                if (!input.equals(current)) {
                    throw new StepFailedException(label + ": input file " + input.name() + (current == null ? " was removed" : " was rewritten")
                            + " after compaction read it, so the compacted data is out of date; nothing was swapped. Run the pipeline again");
                }
            }
            for (LakeFile k : c.kept()) {
                if (!k.equals(now.get(k.name()))) {
                    throw new StepFailedException(label + ": compacted file " + k.name() + ", which this compaction builds on, "
                            + (now.containsKey(k.name()) ? "was rewritten" : "was removed") + " since; nothing was swapped. Run the pipeline again");
                }
            }
            Set<String> inputNames = movedOut.stream().map(LakeFile::name).collect(Collectors.toCollection(java.util.HashSet::new));
            c.kept().forEach(k -> inputNames.add(k.name()));
            List<String> lateFiles = now.keySet().stream().filter(n -> !inputNames.contains(n)).toList();

            List<Journal.Move> moves = new ArrayList<>();
            List<LakeFile> putLive = new ArrayList<>();
            for (LakeFile f : LakeScanner.files(stagedDir)) {
                if (verifiedNames.contains(f.name())) {
                    if (Files.exists(liveDir.resolve(f.name()))) {
                        throw new StepFailedException(label + ": a file named " + f.name() + " is already live; refusing to replace it. "
                                + "Nothing was swapped");
                    }
                    moves.add(Journal.Move.required(stagedDir.resolve(f.name()), liveDir.resolve(f.name())));
                    putLive.add(f);
                }
            }
            List<SwapRecord.Backup> backups = new ArrayList<>();
            for (LakeFile f : c.inputs()) {
                Path target = backupDir.resolve(f.name());
                for (int n = 1; Files.exists(target); n++) {
                    target = backupDir.resolve(f.name() + "." + n); // the same name was backed up before in this run
                }
                moves.add(Journal.Move.guarded(liveDir.resolve(f.name()), target, f.size(), f.mtimeNanos()));
                backups.add(new SwapRecord.Backup(f.name(), target.toAbsolutePath().normalize().toString()));
            }
            List<SwapRecord.Backup> toQuarantine = new ArrayList<>();
            Path quarantineDir = c.asPartition().dirIn(quarantine);
            for (UnreadableFile q : c.quarantined()) {
                Path target = quarantineDir.resolve(q.file().name());
                for (int n = 1; Files.exists(target); n++) {
                    target = quarantineDir.resolve(q.file().name() + "." + n);
                }
                moves.add(Journal.Move.guarded(liveDir.resolve(q.file().name()), target, q.file().size(), q.file().mtimeNanos()));
                toQuarantine.add(new SwapRecord.Backup(q.file().name(), target.toAbsolutePath().normalize().toString()));
            }
            List<LakeFile> nowLive = new ArrayList<>(c.kept()); // a tiered compaction leaves them live beside its output
            nowLive.addAll(putLive);
            nowLive.sort(java.util.Comparator.comparing(LakeFile::name));
            TableManifest manifest = TableManifest.load(ctx.pipelineStateDir(), table.name()).with(c.partition(), nowLive);
            SwapRecord next = record.with(new SwapRecord.SwappedPartition(c.partition(), putLive, backups, toQuarantine));
            DurableFiles.createDirectories(backupDir);
            if (!toQuarantine.isEmpty()) {
                DurableFiles.createDirectories(quarantineDir);
            }
            try {
                journal.apply(new Journal.Entry("swap of " + label + " (run " + ctx.runId() + ")", moves, List.of(
                        Journal.Write.of(TableManifest.file(ctx.pipelineStateDir(), table.name()), manifest.json()),
                        Journal.Write.of(SwapRecord.file(ctx.runDir(), table.name()), next.json()))),
                        "swap:" + table.name());
            } catch (Journal.AbortedException undone) {
                throw new StepFailedException(label + ": " + undone.getMessage() + "; the swap of this partition was undone, "
                        + "its files are as they were. Fix the cause, then resume the run");
            }
            ctx.log().println(c.asPartition().label() + ": " + putLive.size() + " files live, " + c.inputs().size()
                    + " moved to " + backupDir + (lateFiles.isEmpty() ? "" : ", " + lateFiles.size() + " late files left live: " + lateFiles));
            toQuarantine.forEach(q -> ctx.log().println(c.asPartition().label() + ": unreadable " + q.name() + " moved to " + q.path()));
            quarantined += toQuarantine.size();
            swapped++;
            late += lateFiles.size();
            backedUp += c.inputs().size();
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("partitions_swapped", swapped);
        m.put("files_backed_up", backedUp);
        m.put("late_files_kept_live", late);
        if (quarantined > 0) {
            m.put("files_quarantined", quarantined);
        }
        return StepResult.of(m);
    }

    /** Swaps are renames: the lake, its staging and its backups must share a filesystem. */
    private static void sameFileSystem(Path live, Path staged, Path backups) throws IOException {
        DurableFiles.createDirectories(backups);
        Optional<Object> lake = store(live);
        for (Path other : List.of(staged, backups)) {
            Optional<Object> s = store(other);
            if (lake.isPresent() && s.isPresent() && !lake.get().equals(s.get())) {
                throw new StepFailedException(other + " is on another filesystem than the lake (" + live
                        + "); put settings.staging and settings.backups on the lake's filesystem so that a swap is a rename");
            }
        }
    }

    private static Optional<Object> store(Path p) {
        Path existing = p.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        try {
            return existing == null ? Optional.empty() : Optional.of(Files.getFileStore(existing));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
