package io.duckdag.lake;

import io.duckdag.Failpoints;
import io.duckdag.state.DurableFiles;
import io.duckdag.state.RunId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Removes what duckdag no longer needs: staging of finished runs, backups beyond retention. A
 * folder is first renamed to a hidden {@code .deleting-<run>} (one rename, forced), then deleted:
 * a removal cut short by a crash never leaves half a backup that looks like a whole one (to
 * rollback, or to the next prune, which goes by folder times), and the next prune finishes it.
 */
public final class Housekeeping {
    private Housekeeping() {
    }

    /**
     * Deletes backup folders of all but the {@code keep} most recently written ones (by folder
     * time, so an old run resumed today keeps its fresh backups); returns what it removed.
     */
    public static List<Path> pruneBackups(Path backups, int keep, Failpoints failpoints) {
        finishRemovals(backups);
        List<Path> runs = new ArrayList<>(runFolders(backups));
        runs.sort(java.util.Comparator.comparing((Path p) -> modified(p)).thenComparing(Path::toString));
        List<Path> removed = new ArrayList<>();
        for (int i = 0; i < runs.size() - keep; i++) {
            remove(runs.get(i), failpoints);
            removed.add(runs.get(i));
        }
        return removed;
    }

    /** Deletes the staging folders of runs for which {@code finished} holds. */
    public static List<Path> pruneStaging(Path staging, Predicate<String> finished, Failpoints failpoints) {
        finishRemovals(staging);
        List<Path> removed = new ArrayList<>();
        for (Path run : runFolders(staging)) {
            if (finished.test(run.getFileName().toString())) {
                remove(run, failpoints);
                removed.add(run);
            }
        }
        return removed;
    }

    private static final String REMOVING = ".deleting-";

    /** Renames {@code dir} out of sight in one forced rename, then deletes it. */
    private static void remove(Path dir, Failpoints failpoints) {
        Path retired = dir.resolveSibling(REMOVING + dir.getFileName());
        try {
            Files.move(dir, retired, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            DurableFiles.forceDirectory(dir.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir + ": " + DurableFiles.reason(e), e);
        }
        failpoints.hit("prune:retired");
        delete(retired);
    }

    /** Deletes what a removal cut short left, hidden, in {@code root}. */
    private static void finishRemovals(Path root) {
        if (!Files.isDirectory(root)) {
            return;
        }
        try (Stream<Path> children = Files.list(root)) {
            for (Path p : children.filter(c -> c.getFileName().toString().startsWith(REMOVING)).toList()) {
                delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static java.nio.file.attribute.FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return java.nio.file.attribute.FileTime.fromMillis(0);
        }
    }

    /** Folders named by a run id, oldest first. */
    static List<Path> runFolders(Path root) {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> children = Files.list(root)) {
            return children.filter(Files::isDirectory).filter(p -> RunId.isValid(p.getFileName().toString())).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir + ": " + e.getMessage(), e);
        }
    }
}
