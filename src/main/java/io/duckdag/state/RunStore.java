package io.duckdag.state;

import io.duckdag.DuckdagException;
import io.duckdag.ExitCode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The runs of one pipeline: {@code <state_dir>/<pipeline>/runs/<run id>/run.json} and the
 * step logs beside it. Reading never creates anything.
 */
public final class RunStore {
    private final Path root;

    public RunStore(Path stateDir, String pipeline) {
        this.root = stateDir.resolve(pipeline);
    }

    public Path root() {
        return root;
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

    public void save(RunRecord record) {
        try {
            DurableFiles.createDirectories(runDir(record.runId()).resolve("logs"));
            DurableFiles.writeAtomically(recordFile(record.runId()), StateJson.MAPPER.writeValueAsBytes(record));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the run record of " + record.runId() + ": " + e.getMessage(), e);
        }
    }

    public Optional<RunRecord> load(String runId) {
        if (!RunId.isValid(runId)) {
            throw DuckdagException.usage("'" + runId + "' is not a run id; run ids look like 20261125-234642-123 ('duckdag runs FILE' lists them)");
        }
        Path file = recordFile(runId);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(StateJson.MAPPER.readValue(file.toFile(), RunRecord.class));
        } catch (IOException e) {
            throw new DuckdagException(ExitCode.INVALID, "the run record " + file + " cannot be read (" + firstLine(e.getMessage())
                    + "); move that run's folder out of " + root.resolve("runs") + " to continue without it");
        }
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
                    load(name).ifPresent(records::add);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return records;
    }

    public Optional<RunRecord> latest() {
        List<RunRecord> all = list();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    public Optional<RunRecord> latestUnfinished() {
        List<RunRecord> all = list();
        for (int i = all.size() - 1; i >= 0; i--) {
            if (!all.get(i).finished()) {
                return Optional.of(all.get(i));
            }
        }
        return Optional.empty();
    }

    private static String firstLine(String message) {
        return message == null ? "unknown reason" : message.lines().findFirst().orElse("unknown reason");
    }
}
