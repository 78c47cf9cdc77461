package io.duckdag.state;

import io.duckdag.DuckdagException;
import io.duckdag.ExitCode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One run per pipeline at a time: an OS lock on {@code <state_dir>/<pipeline>/lock}. The OS
 * drops it when the holder dies, so a dead run never blocks. Who holds it is written to a
 * separate file, {@code lock.holder}: reading the lock file itself through another channel
 * would silently release the lock.
 */
public final class PipelineLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;
    private final Path holderFile;

    private PipelineLock(FileChannel channel, FileLock lock, Path holderFile) {
        this.channel = channel;
        this.lock = lock;
        this.holderFile = holderFile;
    }

    /** Takes the lock or throws (exit code 3) naming who holds it. */
    public static PipelineLock acquire(Path pipelineStateDir, String pipeline, String runId, Instant now) {
        Path lockFile = pipelineStateDir.resolve("lock");
        Path holderFile = pipelineStateDir.resolve("lock.holder");
        FileChannel channel = null;
        try {
            DurableFiles.createDirectories(pipelineStateDir);
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held by this same JVM
            }
            if (lock == null) {
                channel.close();
                throw new DuckdagException(ExitCode.LOCKED, "another run of pipeline " + pipeline + " is in progress ("
                        + describeHolder(holderFile) + "); wait for it to finish, or stop that process: a lock of a dead process never blocks");
            }
            Map<String, Object> holder = new LinkedHashMap<>();
            holder.put("pid", ProcessHandle.current().pid());
            holder.put("host", hostName());
            holder.put("run_id", runId);
            holder.put("started_at", now.toString());
            DurableFiles.writeAtomically(holderFile, StateJson.MAPPER.writeValueAsBytes(holder));
            return new PipelineLock(channel, lock, holderFile);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UncheckedIOException("cannot lock " + lockFile + ": " + e.getMessage(), e);
        }
    }

    private static String describeHolder(Path holderFile) {
        try {
            Map<?, ?> h = StateJson.MAPPER.readValue(Files.readString(holderFile, StandardCharsets.UTF_8), Map.class);
            return "run " + h.get("run_id") + ", pid " + h.get("pid") + " on " + h.get("host") + ", started " + h.get("started_at");
        } catch (IOException | RuntimeException e) {
            return "holder unknown";
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown host";
        }
    }

    @Override
    public void close() {
        try {
            Files.deleteIfExists(holderFile);
            lock.release();
        } catch (IOException e) {
            // the OS releases the lock when the channel closes anyway
        } finally {
            closeQuietly(channel);
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // nothing left to do
            }
        }
    }
}
