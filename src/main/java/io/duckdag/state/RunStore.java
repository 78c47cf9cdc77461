package io.duckdag.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.duckdag.DuckdagException;
import io.duckdag.ExitCode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The runs of one pipeline: {@code <state_dir>/<pipeline>/runs/<run id>/run.json} and the
 * step logs beside it. Reading never creates anything.
 *
 * <p>{@code run.json} is a snapshot of the whole run, written atomically ({@link DurableFiles}) when
 * a run starts or resumes and when it ends; it names, under {@value #CHANGES}, the {@link ChangeLog}
 * beside it where each change to a step in between is appended. A run's record is its snapshot with
 * the trusted changes of that log replayed in order.
 */
public final class RunStore {
    static final String CHANGES = "changes";

    private final Path root;
    private final boolean seenNow;

    public RunStore(Path stateDir, String pipeline) {
        this(stateDir.resolve(pipeline), false);
    }

    private RunStore(Path root, boolean seenNow) {
        this.root = root;
        this.seenNow = seenNow;
    }

    /**
     * This store as the read-only commands show it: a run recorded {@code running} whose process
     * is gone (no live process holds the pipeline's lock for it: killed, crashed, the machine
     * stopped) reads as {@link RunRecord#processGone interrupted}, its running steps as
     * interrupted and its pending ones as not started, on every read. Nothing is written: the
     * record stays as the dead run left it, for the resume that reads it.
     */
    public RunStore seenNow() {
        return new RunStore(root, true);
    }

    public Path root() {
        return root;
    }

    /**
     * Creates the pipeline's state folder if needed and makes it readable by its owner only
     * (rwx------): run records, step logs and the lock are nobody else's to read. On a file
     * system without POSIX permissions, nothing is changed.
     */
    public void keepPrivate() {
        try {
            DurableFiles.createDirectories(root);
            if (Files.getFileStore(root).supportsFileAttributeView(java.nio.file.attribute.PosixFileAttributeView.class)) {
                Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot create or protect the state folder " + root + ": " + e.getMessage(), e);
        }
    }

    public Path runDir(String runId) {
        return root.resolve("runs").resolve(new RunId(runId).value());
    }

    public Path recordFile(String runId) {
        return runDir(runId).resolve("run.json");
    }

    public Path logFile(String runId, String stepId) {
        return runDir(runId).resolve("logs").resolve(stepId + ".log");
    }

    /** A new id at this instant, bumped by a suffix when a run with that id exists already. */
    public RunId newRunId(Clock clock) {
        RunId id = RunId.at(clock);
        int n = 1;
        while (Files.exists(runDir(id.value()))) {
            id = new RunId(RunId.at(clock).value() + "-" + n++);
        }
        return id;
    }

    /**
     * Writes {@code record} whole as the run's snapshot, which names a new, empty change log, then
     * deletes the logs of earlier snapshots (their changes are in this one).
     */
    public void save(RunRecord record) {
        snapshot(record);
    }

    /** {@link #save}, returning the log where the changes after this snapshot go. */
    ChangeLog snapshot(RunRecord record) {
        Path dir = runDir(record.runId());
        try {
            DurableFiles.createDirectories(dir.resolve("logs"));
            List<Path> older = changeLogs(dir);
            // Higher than any log there and than the one the snapshot being replaced names (which
            // may not exist yet), so that a reader of that snapshot never replays this one's changes.
            String named = currentLogName(recordFile(record.runId()));
            int generation = Math.max(named == null ? 0 : ChangeLog.generation(named),
                    older.stream().mapToInt(p -> ChangeLog.generation(p.getFileName().toString())).max().orElse(0)) + 1;
            String name = ChangeLog.name(generation);
            ObjectNode json = StateJson.MAPPER.valueToTree(record);
            json.put(CHANGES, name);
            DurableFiles.writeAtomically(recordFile(record.runId()), StateJson.MAPPER.writeValueAsBytes(json));
            for (Path p : older) {
                Files.deleteIfExists(p);
            }
            return new ChangeLog(dir.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the run record of " + record.runId() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The run as its snapshot and the trusted changes after it say. A record written before
     * change logs existed has no {@value #CHANGES} key and is read as it is.
     */
    public Optional<RunRecord> load(String runId) {
        Optional<RunRecord> recorded = loadRecorded(runId);
        return seenNow ? recorded.map(r -> asSeenNow(r, PipelineLock.liveHolder(root))) : recorded;
    }

    private RunRecord asSeenNow(RunRecord r, Optional<PipelineLock.Holder> holder) {
        if (r.status() != RunStatus.RUNNING) {
            return r;
        }
        // The holder names the run it started; when it names none that exists, any running one may be it.
        boolean alive = holder.isPresent()
                && (holder.get().runId().equals(r.runId()) || !RunId.isValid(holder.get().runId())
                    || !Files.exists(recordFile(holder.get().runId())));
        return alive ? r : r.processGone();
    }

    private Optional<RunRecord> loadRecorded(String runId) {
        if (!RunId.isValid(runId)) {
            throw DuckdagException.usage("'" + runId + "' is not a run id; run ids look like 20261125-234642-123 ('duckdag runs FILE' lists them)");
        }
        Path file = recordFile(runId);
        // A run in progress may write a new snapshot and delete the log that the one just read
        // names; then that snapshot is no longer the latest, so read again.
        for (int attempt = 1; ; attempt++) {
            if (!Files.exists(file)) {
                return Optional.empty();
            }
            JsonNode json;
            RunRecord snapshot;
            try {
                json = StateJson.MAPPER.readTree(file.toFile());
                snapshot = StateJson.MAPPER.treeToValue(json, RunRecord.class);
            } catch (IOException e) {
                throw unreadable(file, firstLine(e.getMessage()));
            }
            if (snapshot == null || snapshot.runId() == null || snapshot.status() == null) {
                throw unreadable(file, "it holds no run");
            }
            String changes = json.path(CHANGES).asText(null);
            if (changes == null) {
                return Optional.of(snapshot);
            }
            if (!ChangeLog.isName(changes)) {
                throw unreadable(file, "its " + CHANGES + " is not a change log's name: " + changes);
            }
            Path log = file.resolveSibling(changes);
            try {
                if (!Files.exists(log) && attempt < 3 && !changes.equals(currentLogName(file))) {
                    continue;
                }
                return Optional.of(replay(snapshot, ChangeLog.read(log)));
            } catch (IOException e) {
                throw unreadable(log, firstLine(e.getMessage()));
            }
        }
    }

    private static RunRecord replay(RunRecord snapshot, List<StepRecord> changes) {
        if (changes.isEmpty()) {
            return snapshot;
        }
        Map<String, StepRecord> steps = new LinkedHashMap<>(snapshot.steps());
        for (StepRecord step : changes) {
            // The snapshot names every step of the run; a change can only be to one of them.
            steps.computeIfPresent(step.id(), (id, old) -> step);
        }
        return snapshot.withSteps(steps);
    }

    /** The log that {@code file} names now; null if it names none or is gone. */
    private static String currentLogName(Path file) {
        try {
            return StateJson.MAPPER.readTree(file.toFile()).path(CHANGES).asText(null);
        } catch (IOException e) {
            return null;
        }
    }

    private static List<Path> changeLogs(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> ChangeLog.isName(p.getFileName().toString())).toList();
        }
    }

    private DuckdagException unreadable(Path file, String why) {
        return new DuckdagException(ExitCode.INVALID, "the run record " + file + " cannot be read (" + why
                + "); move that run's folder out of " + root.resolve("runs") + " to continue without it");
    }

    /** Every run, oldest first. */
    public List<RunRecord> list() {
        Path runs = root.resolve("runs");
        if (!Files.isDirectory(runs)) {
            return List.of();
        }
        List<RunRecord> records = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(runs)) {
            for (Path dir : dirs.sorted().toList()) {
                String name = dir.getFileName().toString();
                if (RunId.isValid(name) && Files.exists(dir.resolve("run.json"))) {
                    loadRecorded(name).ifPresent(records::add);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!seenNow || records.stream().noneMatch(r -> r.status() == RunStatus.RUNNING)) {
            return records;
        }
        Optional<PipelineLock.Holder> holder = PipelineLock.liveHolder(root);
        return records.stream().map(r -> asSeenNow(r, holder)).toList();
    }

    public Optional<RunRecord> latest() {
        List<RunRecord> all = list();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    /** The run that {@code --resume} carries on; {@link #seenNow seen now}, none while that run is still in progress. */
    public Optional<RunRecord> latestUnfinished() {
        List<RunRecord> all = list();
        for (int i = all.size() - 1; i >= 0; i--) {
            if (!all.get(i).finished()) {
                return seenNow && all.get(i).status() == RunStatus.RUNNING ? Optional.empty() : Optional.of(all.get(i));
            }
        }
        return Optional.empty();
    }

    private static String firstLine(String message) {
        return message == null ? "unknown reason" : message.lines().findFirst().orElse("unknown reason");
    }
}
