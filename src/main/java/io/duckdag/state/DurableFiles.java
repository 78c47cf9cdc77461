package io.duckdag.state;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes that survive kill -9 and power cuts: a temporary file is written and forced, renamed
 * over the target in one rename(2), and the folder is forced so the new name is durable.
 * A reader sees the old content or the new, never a torn file.
 */
public final class DurableFiles {
    private DurableFiles() {
    }

    public static void writeAtomically(Path target, byte[] content) {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + target.getFileName() + ".tmp");
        try {
            createDirectories(dir); // a new folder forced into its parent too, or a power cut can take the record with it
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    ch.write(buffer);
                }
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            forceDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    /**
     * Puts a file that another writer (DuckDB) wrote in place: forces it, renames it over
     * {@code target} in one rename(2) and forces the folder, so a reader of {@code target}
     * sees the old file or the whole new one, also after a power cut.
     */
    public static void replace(Path written, Path target) throws IOException {
        try (FileChannel ch = FileChannel.open(written, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(written, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forceDirectory(target.toAbsolutePath().getParent());
    }

    /**
     * The system's reason for a failed file operation, in its own words ("Permission denied",
     * "No space left on device"): Java gives some of them only as the exception's class.
     */
    public static String reason(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "Permission denied";
        }
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "No such file or directory";
        }
        if (e instanceof java.nio.file.FileAlreadyExistsException) {
            return "File exists";
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** fsync of a folder, so that names created or renamed in it survive a power cut. */
    public static void forceDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /** Creates the folders that are missing, forcing each parent so they survive a power cut. */
    public static void createDirectories(Path dir) throws IOException {
        Path absolute = dir.toAbsolutePath();
        if (Files.isDirectory(absolute)) {
            return;
        }
        Path parent = absolute.getParent();
        if (parent != null) {
            createDirectories(parent);
        }
        try {
            Files.createDirectory(absolute);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            if (!Files.isDirectory(absolute)) {
                throw e;
            }
        }
        if (parent != null) {
            forceDirectory(parent);
        }
    }
}
