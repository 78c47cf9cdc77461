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
import java.util.Optional;

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
        return acquire(pipelineStateDir, pipeline, runId, now, "wait for it to finish");
    }

    /** @param whenHeld what the message tells the user to do while another run holds it */
    public static PipelineLock acquire(Path pipelineStateDir, String pipeline, String runId, Instant now, String whenHeld) {
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
                        + describeHolder(holderFile) + "); " + whenHeld + ", or stop that process: a lock of a dead process never blocks");
            }
            Map<String, Object> holder = new LinkedHashMap<>();
            holder.put("pid", ProcessHandle.current().pid());
            holder.put("host", hostName());
            holder.put("run_id", runId);
            holder.put("started_at", now.toString());
            try {
                DurableFiles.writeAtomically(holderFile, StateJson.MAPPER.writeValueAsBytes(holder));
            } catch (RuntimeException | IOException cannotWrite) {
                closeQuietly(channel); // releases the lock: a holder that cannot be named must not keep it (a full disk, say)
                throw cannotWrite;
            }
            return new PipelineLock(channel, lock, holderFile);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UncheckedIOException("cannot lock " + lockFile + ": " + e.getMessage(), e);
        }
    }

    /** Who holds a pipeline's lock, as {@code lock.holder} says. */
    public record Holder(long pid, String host, String runId) {
    }

    /**
     * The holder of a pipeline's lock if a live process holds it now; empty when it is free. For
     * readers that take no lock ({@code status}, {@code runs}, {@code plan}): a run recorded running
     * whose lock is free was killed. Creates nothing. Asked from the process that holds it, it
     * answers from {@code lock.holder} alone, since closing a second channel on the lock file would
     * drop the lock. Elsewhere a holder on this host whose pid is gone is dead; otherwise the OS is
     * asked with a try-lock that is released at once (a run starting in that instant may find the
     * lock taken and exit 3, as with any other holder).
     */
    public static Optional<Holder> liveHolder(Path pipelineStateDir) {
        Path lockFile = pipelineStateDir.resolve("lock");
        Optional<Holder> holder = readHolder(pipelineStateDir.resolve("lock.holder"));
        if (!Files.exists(lockFile) || holder.isEmpty()) {
            // A run writes lock.holder before its record; without it, no recorded run holds the lock.
            return Optional.empty();
        }
        Holder h = holder.get();
        boolean here = h.host().equals(hostName());
        if (here && h.pid() == ProcessHandle.current().pid()) {
            return holder;
        }
        if (here && !ProcessHandle.of(h.pid()).map(ProcessHandle::isAlive).orElse(false)) {
            return Optional.empty();
        }
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                return holder;
            }
            lock.release();
            return Optional.empty();
        } catch (OverlappingFileLockException e) {
            return holder; // this JVM holds it, before writing lock.holder: the one case the pid check cannot see
        } catch (IOException e) {
            return holder; // cannot ask (a read-only state folder): the pid check above is all there is
        }
    }

    private static Optional<Holder> readHolder(Path holderFile) {
        try {
            Map<?, ?> h = StateJson.MAPPER.readValue(Files.readString(holderFile, StandardCharsets.UTF_8), Map.class);
            return h.get("pid") instanceof Number pid
                    ? Optional.of(new Holder(pid.longValue(), String.valueOf(h.get("host")), String.valueOf(h.get("run_id"))))
                    : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
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

    static String hostName() {
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
