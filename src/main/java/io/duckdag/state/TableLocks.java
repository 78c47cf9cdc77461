package io.duckdag.state;

import io.duckdag.DuckdagException;
import io.duckdag.ExitCode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Runs of different pipelines over one lake never change one table at once: a run that may
 * change a table's live files (its compact or swap steps run) holds an OS lock on
 * {@code <lake>/.duckdag/locks/<table>.lock} from before its record is written to its end.
 * The pipeline lock cannot do this, since each pipeline has its own state folder; the lake is
 * the one place they share. The folder's name starts with '.', so no scan, view or survey of
 * the lake reads it. A lake folder that does not exist when the run starts is not created for
 * its locks (the run takes none), so compaction still fails saying the lake is missing. As with {@link PipelineLock}, the OS drops a lock when its process dies,
 * the holder is named in a separate {@code <table>.holder} file, and the lock files stay:
 * removing one could let two processes lock two different files of one name.
 */
public final class TableLocks implements AutoCloseable {
    /** The folder of the locks, below the lake. */
    public static final String FOLDER = ".duckdag/locks";

    private record Held(FileChannel channel, FileLock lock, Path holderFile) {
    }

    private final List<Held> held;

    private TableLocks(List<Held> held) {
        this.held = List.copyOf(held);
    }

    /**
     * Locks every table of {@code tables} (in name order, so two runs never wait on each other
     * crosswise) or none: if another process holds one, what was taken is released and this
     * throws (exit code 3) naming the table and its holder. No tables, no files.
     */
    public static TableLocks acquire(Path lake, Collection<String> tables, String pipeline, String runId, Instant now) {
        List<Held> taken = new ArrayList<>();
        if (tables.isEmpty() || !Files.isDirectory(lake)) {
            // A lake that does not exist yet is not created here: compaction says it is missing.
            return new TableLocks(taken);
        }
        Path folder = lake.resolve(FOLDER);
        try {
            DurableFiles.createDirectories(folder);
            for (String table : new TreeSet<>(tables)) {
                taken.add(lock(folder, table, pipeline, runId, now, lake));
            }
            return new TableLocks(taken);
        } catch (IOException e) {
            new TableLocks(taken).close();
            throw new UncheckedIOException("cannot lock the tables in " + folder + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            new TableLocks(taken).close();
            throw e;
        }
    }

    private static Held lock(Path folder, String table, String pipeline, String runId, Instant now, Path lake) throws IOException {
        Path lockFile = folder.resolve(table + ".lock");
        Path holderFile = folder.resolve(table + ".holder");
        FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this same JVM
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            throw new DuckdagException(ExitCode.LOCKED, "table " + table + " in the lake " + lake + " is being changed by another run ("
                    + describe(holderFile) + "); wait for it to finish, or stop that process: a lock of a dead process never blocks");
        }
        Map<String, Object> holder = new LinkedHashMap<>();
        holder.put("pipeline", pipeline);
        holder.put("run_id", runId);
        holder.put("pid", ProcessHandle.current().pid());
        holder.put("host", PipelineLock.hostName());
        holder.put("started_at", now.toString());
        try {
            DurableFiles.writeAtomically(holderFile, StateJson.MAPPER.writeValueAsBytes(holder));
        } catch (RuntimeException | IOException cannotWrite) {
            channel.close(); // a holder that cannot be named must not keep the lock
            throw cannotWrite;
        }
        return new Held(channel, lock, holderFile);
    }

    private static String describe(Path holderFile) {
        try {
            Map<?, ?> h = StateJson.MAPPER.readValue(Files.readString(holderFile, StandardCharsets.UTF_8), Map.class);
            return "pipeline " + h.get("pipeline") + ", run " + h.get("run_id") + ", pid " + h.get("pid") + " on " + h.get("host")
                    + ", started " + h.get("started_at");
        } catch (IOException | RuntimeException e) {
            return "holder unknown";
        }
    }

    @Override
    public void close() {
        for (Held h : held) {
            try {
                Files.deleteIfExists(h.holderFile());
                h.lock().release();
            } catch (IOException e) {
                // the OS releases the lock when the channel closes anyway
            } finally {
                try {
                    h.channel().close();
                } catch (IOException e) {
                    // nothing left to do
                }
            }
        }
    }
}
