package io.duckdag.steps;

import io.duckdag.state.DurableFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What a sync-metadata step last wrote, so that a run in which nothing changed decides so from
 * file listings, as ninja decides a no-op build, without opening DuckDB: a hash of everything the
 * views depend on (their SQL as this build of duckdag writes it, the tables, every entry below
 * each table folder with its size and modification time, the database file and storage version
 * asked for) and the metadata database's file as this step left it (size, modification time,
 * inode, and its write-ahead log). Anything that differs means the full work. The stamp is
 * deleted before the database is opened and written only after a sync that refreshed every
 * view, so a failed or killed sync never leaves one.
 *
 * <p>A change by another program shows in the database file or its write-ahead log (DuckDB
 * commits through the log), unless it lands within the file system's timestamp tick of this
 * step's own write with the same size: opening DuckDB takes longer than that tick.
 */
record ViewStamp(String inputs, Database database) {

    /** The metadata database file and its write-ahead log as found on disk; sizes -1 when absent. */
    record Database(long size, long mtimeNanos, String fileKey, long walSize, long walMtimeNanos) {
        static Optional<Database> of(Path file) {
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (!a.isRegularFile()) {
                    return Optional.empty();
                }
                Path wal = file.resolveSibling(file.getFileName() + ".wal");
                long walSize = -1;
                long walMtime = -1;
                if (Files.exists(wal, LinkOption.NOFOLLOW_LINKS)) {
                    BasicFileAttributes w = Files.readAttributes(wal, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    walSize = w.size();
                    walMtime = w.lastModifiedTime().to(TimeUnit.NANOSECONDS);
                }
                return Optional.of(new Database(a.size(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS), String.valueOf(a.fileKey()).replace(' ', '_'),
                        walSize, walMtime));
            } catch (IOException e) {
                return Optional.empty();
            }
        }
    }

    /** {@code <state_dir>/<pipeline>/views/<step>}; a step id with characters a file name should not hold gets a hash. */
    static Path file(Path pipelineStateDir, String stepId) {
        String name = stepId.matches("[A-Za-z0-9_-]+") ? stepId
                : stepId.replaceAll("[^A-Za-z0-9_-]", "_") + "-" + sha256(stepId).substring(0, 8);
        return pipelineStateDir.resolve("views").resolve(name);
    }

    /** The stamp in {@code file}: two lines, the inputs hash and the database as it was left; empty if missing or damaged. */
    static Optional<ViewStamp> load(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            String[] d = lines.size() == 2 ? lines.get(1).split(" ") : new String[0];
            if (d.length != 5) {
                return Optional.empty();
            }
            return Optional.of(new ViewStamp(lines.get(0), new Database(Long.parseLong(d[0]), Long.parseLong(d[1]), d[2],
                    Long.parseLong(d[3]), Long.parseLong(d[4]))));
        } catch (IOException | NumberFormatException missingOrDamaged) {
            return Optional.empty(); // costs only the full work
        }
    }

    /** Plain text rather than JSON: reading it is on the path of every run with nothing to do. */
    void save(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        DurableFiles.writeAtomically(file, (inputs + "\n" + database.size() + " " + database.mtimeNanos() + " "
                + database.fileKey().replace(' ', '_') + " " + database.walSize() + " " + database.walMtimeNanos() + "\n")
                .getBytes(StandardCharsets.UTF_8));
    }

    static void delete(Path file) throws IOException {
        Files.deleteIfExists(file);
    }

    /** Whether {@code inputs} are those this stamp was written for and {@code database} is as it left it. */
    boolean holds(String currentInputs, Path database) {
        return inputs.equals(currentInputs) && Database.of(database).map(this.database::equals).orElse(false);
    }

    /** Builds the inputs hash: each part on a line of its own, then the trees below the table folders. */
    static final class Inputs {
        private final StringBuilder text = new StringBuilder("view-stamp 1\n");
        private boolean stampable = true;

        Inputs add(String what, Object value) {
            text.append(what).append('=').append(value).append('\n');
            return this;
        }

        /**
         * Every file and folder below {@code root} with its size and modification time (a folder's
         * changes when an entry is added, removed or renamed). A symbolic link makes the inputs
         * unstampable: what it points to could change without anything here changing.
         */
        Inputs tree(Path root) {
            if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
                return add("absent", root);
            }
            try {
                Files.walkFileTree(root, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes a) {
                        return entry(dir, a);
                    }

                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes a) {
                        return entry(file, a);
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path file, IOException e) {
                        if (!(e instanceof NoSuchFileException)) {
                            stampable = false;
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    private FileVisitResult entry(Path p, BasicFileAttributes a) {
                        if (a.isSymbolicLink() || a.isOther()) {
                            stampable = false;
                            return FileVisitResult.TERMINATE;
                        }
                        text.append(a.isDirectory() ? "d " : "f ").append(root.relativize(p)).append(' ').append(a.size()).append(' ')
                                .append(a.lastModifiedTime().to(TimeUnit.NANOSECONDS)).append('\n');
                        return FileVisitResult.CONTINUE;
                    }
                });
            } catch (IOException e) {
                stampable = false;
            }
            return this;
        }

        /** The hash, or empty when something below a table folder cannot be trusted to show a change. */
        Optional<String> hash() {
            return stampable ? Optional.of(sha256(text.toString())) : Optional.empty();
        }
    }

    /** The file duckdag's classes were loaded from, so that a new build writes the views again. */
    static String build() {
        try {
            Path p = Path.of(ViewStamp.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            return p + " " + a.size() + " " + a.lastModifiedTime().to(TimeUnit.NANOSECONDS);
        } catch (Exception unknown) {
            return "unknown";
        }
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
