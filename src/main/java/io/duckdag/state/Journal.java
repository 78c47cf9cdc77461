package io.duckdag.state;

import io.duckdag.Failpoints;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Crash-safe groups of renames. An entry (the renames, then the state files to write once they
 * are done) is written durably before the first rename; it is always rolled forward, by the
 * process that wrote it or, if that process died, by the next one to take the pipeline's lock.
 * Applying an entry twice does no harm: a rename whose target exists is done, and its source,
 * if it exists again, is a new file that arrived later and is left alone.
 */
public final class Journal {
    /**
     * One rename. When {@code size} and {@code mtimeNanos} are given, the source is moved only if
     * it still has them: a file that was replaced under the same name since the entry was written
     * (a downloader re-writing it) is new data and is left where it is.
     */
    public record Move(String from, String to, Long size, Long mtimeNanos) {
        public Move(String from, String to) {
            this(from, to, null, null);
        }
    }

    public record Write(String path, String content) {
    }

    public record Entry(String description, List<Move> moves, List<Write> writes) {
        public Entry {
            moves = List.copyOf(moves);
            writes = List.copyOf(writes);
        }
    }

    private final Path dir;
    private final Failpoints failpoints;

    public Journal(Path pipelineStateDir, Failpoints failpoints) {
        this.dir = pipelineStateDir.resolve("journal");
        this.failpoints = failpoints;
    }

    /** Records the entry durably, then carries it out. {@code point} names its failpoints. */
    public void apply(Entry entry, String point) {
        Path file = record(entry);
        failpoints.hit(point + ":journaled");
        carryOut(entry, point);
        finish(file);
    }

    /** Finishes every entry left by a process that died; returns their descriptions. */
    public List<String> recover() {
        removeTornEntries();
        List<String> done = new ArrayList<>();
        for (Path file : pending()) {
            Entry entry = read(file);
            carryOut(entry, "recover");
            finish(file);
            done.add(entry.description());
        }
        return done;
    }

    /** Descriptions of entries a dead process left unfinished, without touching anything. */
    public List<String> pendingDescriptions() {
        return pending().stream().map(f -> read(f).description()).toList();
    }

    /**
     * An entry whose temporary file was never renamed into place was being written when its
     * process died: none of its renames had started (they start only once the entry is durable),
     * so it is dropped.
     */
    private void removeTornEntries() {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".tmp")).toList()) {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<Path> pending() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path record(Entry entry) {
        try {
            DurableFiles.createDirectories(dir);
            Path file = dir.resolve(String.format("%020d-%d.json", System.currentTimeMillis(), System.nanoTime()));
            DurableFiles.writeAtomically(file, StateJson.MAPPER.writeValueAsBytes(entry));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the journal in " + dir + ": " + e.getMessage(), e);
        }
    }

    private Entry read(Path file) {
        try {
            return StateJson.MAPPER.readValue(file.toFile(), Entry.class);
        } catch (IOException e) {
            throw new UncheckedIOException("the journal entry " + file + " cannot be read (" + e.getMessage()
                    + "); it is the record of an interrupted swap: keep it, and report this", e);
        }
    }

    private void carryOut(Entry entry, String point) {
        try {
            Set<Path> touched = new LinkedHashSet<>();
            int n = 0;
            for (Move m : entry.moves()) {
                Path from = Path.of(m.from());
                Path to = Path.of(m.to());
                if (!Files.exists(to) && Files.exists(from) && unchanged(from, m)) {
                    DurableFiles.createDirectories(to.getParent());
                    Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
                }
                touched.add(from.toAbsolutePath().getParent());
                touched.add(to.toAbsolutePath().getParent());
                failpoints.hit(point + ":moved-" + (++n));
            }
            for (Path d : touched) {
                if (Files.isDirectory(d)) {
                    DurableFiles.forceDirectory(d);
                }
            }
            failpoints.hit(point + ":moves-durable");
            for (Write w : entry.writes()) {
                DurableFiles.writeAtomically(Path.of(w.path()), w.content().getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("a rename of '" + entry.description() + "' failed: " + e.getMessage()
                    + "; the journal keeps it and the next run finishes it", e);
        }
    }

    private static boolean unchanged(Path from, Move m) throws IOException {
        if (m.size() == null || m.mtimeNanos() == null) {
            return true;
        }
        var attributes = Files.readAttributes(from, java.nio.file.attribute.BasicFileAttributes.class);
        return attributes.size() == m.size()
                && attributes.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS) == m.mtimeNanos();
    }

    private void finish(Path file) {
        try {
            Files.deleteIfExists(file);
            DurableFiles.forceDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
