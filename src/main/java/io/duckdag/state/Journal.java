package io.duckdag.state;

import io.duckdag.Failpoints;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Crash-safe groups of renames. An entry (the renames, then the state files to write once they
 * are done) is written durably before the first rename; it is rolled forward by the process
 * that wrote it or, if that process died, by the next one to take the pipeline's lock.
 *
 * <p>Each rename is a hard link then an unlink, so it never replaces a file that appeared at
 * the target meanwhile; a crash between the two leaves both names on one file, which the next
 * pass finishes. A rename whose target exists is done; its source, if it exists again, is a new
 * file and is left alone. When an entry cannot be finished as written (a required source is
 * gone, or a file was re-written since it was recorded), it is undone instead: every rename is
 * reversed, nothing is written, and {@link AbortedException} says why.
 */
public final class Journal {
    /**
     * One rename. {@code required}: the source must exist unless the rename is done (staged
     * files going live). When {@code size} and {@code mtimeNanos} are given, the source must
     * still have them: a file re-written under the same name since is new data.
     */
    public record Move(String from, String to, Long size, Long mtimeNanos, boolean required) {
        public static Move required(Path from, Path to) {
            return new Move(abs(from), abs(to), null, null, true);
        }

        public static Move guarded(Path from, Path to, long size, long mtimeNanos) {
            return new Move(abs(from), abs(to), size, mtimeNanos, false);
        }

        private static String abs(Path p) {
            return p.toAbsolutePath().normalize().toString();
        }
    }

    public record Write(String path, String content) {
        public static Write of(Path path, String content) {
            return new Write(path.toAbsolutePath().normalize().toString(), content);
        }
    }

    public record Entry(String description, List<Move> moves, List<Write> writes) {
        public Entry {
            moves = List.copyOf(moves);
            writes = List.copyOf(writes);
        }
    }

    /** An entry that could not be finished as written and was undone: nothing it would change changed. */
    public static final class AbortedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        AbortedException(String message) {
            super(message);
        }
    }

    private final Path dir;
    private final Failpoints failpoints;

    public Journal(Path pipelineStateDir, Failpoints failpoints) {
        this.dir = pipelineStateDir.resolve("journal");
        this.failpoints = failpoints;
    }

    /** Records the entry durably, then carries it out; throws {@link AbortedException} if it was undone instead. */
    public void apply(Entry entry, String point) {
        Path file = record(entry);
        failpoints.hit(point + ":journaled");
        try {
            carryOut(entry, point);
        } catch (AbortedException undone) {
            finish(file);
            throw undone;
        }
        finish(file);
    }

    /** Finishes every entry left by a process that died; returns what was done or undone. */
    public List<String> recover() {
        removeTornEntries();
        List<String> done = new ArrayList<>();
        for (Path file : pending()) {
            Entry entry = read(file);
            try {
                carryOut(entry, "recover");
                done.add(entry.description());
            } catch (AbortedException e) {
                done.add(entry.description() + ", undone: " + e.getMessage());
            }
            finish(file);
        }
        return done;
    }

    /** Descriptions of entries a dead process left unfinished, without touching anything. */
    public List<String> pendingDescriptions() {
        return pending().stream().map(f -> read(f).description()).toList();
    }

    /**
     * Does the entry, or undoes it and throws {@link AbortedException}; an I/O error that even
     * the undo cannot get past throws {@link UncheckedIOException} and leaves the entry pending.
     */
    private void carryOut(Entry entry, String point) {
        Set<Path> touched = new LinkedHashSet<>();
        int n = 0;
        try {
            for (Move m : entry.moves()) {
                Path from = Path.of(m.from());
                Path to = Path.of(m.to());
                touched.add(from.getParent());
                touched.add(to.getParent());
                if (Files.exists(to)) {
                    if (Files.exists(from) && Files.isSameFile(from, to)) {
                        Files.delete(from); // a rename interrupted between link and unlink
                    }
                } else if (!Files.exists(from)) {
                    if (m.required()) {
                        throw undo(entry, from + " is gone, so the files it replaces must stay");
                    }
                } else {
                    if (!matches(from, m)) {
                        throw undo(entry, from.getFileName() + " was re-written since it was recorded, so it is new data that must stay live");
                    }
                    rename(from, to);
                    if (!matches(to, m)) {
                        throw undo(entry, from.getFileName() + " was re-written while it was being moved, so it is new data that must stay live");
                    }
                }
                failpoints.hit(point + ":moved-" + (++n));
            }
            forceAll(touched);
            failpoints.hit(point + ":moves-durable");
            for (Write w : entry.writes()) {
                DurableFiles.writeAtomically(Path.of(w.path()), w.content().getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            AbortedException undone;
            try {
                undone = undo(entry, "a rename failed: " + DurableFiles.reason(e) + (e instanceof java.nio.file.FileSystemException f
                        ? " (in " + Path.of(f.getFile()).getParent() + ")" : ""));
            } catch (UncheckedIOException undoFailed) {
                throw new UncheckedIOException("'" + entry.description() + "' failed half way and could not be undone ("
                        + e.getMessage() + "); the journal keeps it and the next run finishes it", e);
            }
            throw undone;
        }
    }

    /** Reverses every rename of the entry that was made, newest first, and returns the exception to throw. */
    private AbortedException undo(Entry entry, String reason) {
        try {
            List<Move> moves = new ArrayList<>(entry.moves());
            java.util.Collections.reverse(moves);
            Set<Path> touched = new LinkedHashSet<>();
            for (Move m : moves) {
                Path from = Path.of(m.from());
                Path to = Path.of(m.to());
                if (!Files.exists(to) || (Files.exists(from) && Files.isSameFile(from, to))) {
                    if (Files.exists(to)) {
                        Files.delete(to);
                    }
                    continue;
                }
                Path back = from;
                for (int i = 1; Files.exists(back); i++) {
                    back = from.resolveSibling(restoredName(from.getFileName().toString(), i)); // a new file took the name
                }
                rename(to, back);
                touched.add(from.getParent());
                touched.add(to.getParent());
            }
            forceAll(touched);
            return new AbortedException(reason);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code a.parquet} -> {@code a.restored-1.parquet}: still read as Parquet, never a clash. */
    static String restoredName(String name, int i) {
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) + ".restored-" + i + name.substring(dot) : name + ".restored-" + i;
    }

    /** A rename that never replaces: link, then unlink. */
    private static void rename(Path from, Path to) throws IOException {
        DurableFiles.createDirectories(to.getParent());
        Files.createLink(to, from);
        Files.delete(from);
    }

    private static boolean matches(Path file, Move m) throws IOException {
        if (m.size() == null || m.mtimeNanos() == null) {
            return true;
        }
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        return a.size() == m.size() && a.lastModifiedTime().to(TimeUnit.NANOSECONDS) == m.mtimeNanos();
    }

    private static void forceAll(Set<Path> dirs) throws IOException {
        for (Path d : dirs) {
            if (d != null && Files.isDirectory(d)) {
                DurableFiles.forceDirectory(d);
            }
        }
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

    private void finish(Path file) {
        try {
            Files.deleteIfExists(file);
            DurableFiles.forceDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
