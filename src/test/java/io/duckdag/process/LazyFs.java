package io.duckdag.process;

import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A LazyFS mount for power-cut tests (/work/shared/tools/lazyfs, README): {@link #mount()} shows
 * {@code root} at {@code mountPoint}, but what is written there stays in LazyFS's cache until it is
 * fsync'ed; {@link #powerCut} drops every unsynced write, as a power cut does. A torn-write fault
 * ({@link #command}) makes LazyFS write part of one write to the disk below and kill itself: the
 * mount is then dead until {@link #close} and a new mount.
 */
final class LazyFs implements AutoCloseable {
    /** Where the built binary is looked for: $LAZYFS_BIN, or where .ci/run (and build.sh by default) puts it. */
    static Path expectedBinary() {
        String given = System.getenv("LAZYFS_BIN");
        return given != null && !given.isBlank() ? Path.of(given)
                : Path.of(System.getProperty("user.home"), ".cache/lazyfs/lazyfs/build/lazyfs");
    }

    static Optional<Path> binary() {
        return Optional.of(expectedBinary()).filter(Files::isExecutable);
    }

    /** Why LazyFS cannot run here, in one line, or empty if it can. */
    static Optional<String> unavailable() {
        if (!Files.exists(Path.of("/dev/fuse"))) {
            return Optional.of("no /dev/fuse on this machine");
        }
        if (binary().isEmpty()) {
            return Optional.of("LazyFS is not built: no " + expectedBinary()
                    + " (run .ci/run or /work/shared/tools/lazyfs/build.sh, or set LAZYFS_BIN)");
        }
        return Optional.empty();
    }

    private final Path root;
    private final Path mountPoint;
    private final Path faults;
    private final Path completed;
    private final Path log;
    private Process process;
    private CompletableFuture<BufferedReader> done;

    /** {@code root} and {@code mountPoint} are created; {@code work} holds the FIFOs, the config and the log. */
    LazyFs(Path root, Path mountPoint, Path work) throws IOException {
        this.root = Files.createDirectories(root).toRealPath();
        this.mountPoint = Files.createDirectories(mountPoint).toAbsolutePath();
        Files.createDirectories(work);
        this.faults = work.resolve("faults.fifo");
        this.completed = work.resolve("completed.fifo");
        this.log = work.resolve("lazyfs.log");
    }

    /** The folder below the mount: what is on "disk". A path under it is what LazyFS calls a file in a fault. */
    Path root() {
        return root;
    }

    Path mountPoint() {
        return mountPoint;
    }

    /** Mounts; throws with LazyFS's log if the mount does not come up in 10 s. */
    LazyFs mount() throws Exception {
        return mount("");
    }

    /** Mounts with {@code injections} (LazyFS's [[injection]] TOML tables: torn-op, torn-seq) armed. */
    LazyFs mount(String injections) throws Exception {
        Files.deleteIfExists(faults);
        Files.deleteIfExists(completed);
        Path config = faults.resolveSibling("lazyfs.toml");
        Files.writeString(config, """
                [faults]
                fifo_path="%s"
                fifo_path_completed="%s"
                [cache]
                apply_eviction=false
                [cache.simple]
                custom_size="256mb"
                blocks_per_page=1
                [filesystem]
                log_all_operations=false
                logfile=""
                """.formatted(faults, completed) + injections);
        process = new ProcessBuilder(binary().orElseThrow().toString(), mountPoint.toString(), "--config-path", config.toString(), "-f",
                "-o", "allow_other", "-o", "modules=subdir", "-o", "subdir=" + root)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!(mounted() && Files.exists(completed))) {
            if (System.nanoTime() > deadline || !process.isAlive()) {
                close();
                throw new IllegalStateException("LazyFS did not mount " + mountPoint + ": " + Files.readString(log));
            }
            Thread.sleep(50);
        }
        // LazyFS opens the completion FIFO for writing once its fault worker starts: that open waits for this reader.
        done = CompletableFuture.supplyAsync(() -> {
            try {
                return new BufferedReader(new InputStreamReader(new FileInputStream(completed.toFile()), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        return this;
    }

    boolean mounted() throws Exception {
        return new ProcessBuilder("mountpoint", "-q", mountPoint.toString()).start().waitFor() == 0;
    }

    /** Whether LazyFS is still serving the mount (it kills itself after a torn-write fault). */
    boolean alive() {
        return process != null && process.isAlive();
    }

    /**
     * The power cut: every write not fsync'ed is dropped, then LazyFS is mounted again, as the
     * machine restarts with an empty page cache. (Left mounted after a clear-cache, LazyFS sometimes
     * refuses to truncate a file created afterwards, "No such file or directory": its cache, keyed
     * by inode, has no entry for it; a new mount has none of that state.)
     */
    void powerCut() throws Exception {
        command("lazyfs::clear-cache");
        String answer = done.get(30, TimeUnit.SECONDS).readLine();
        if (!"finished::clear-cache".equals(answer)) {
            throw new IllegalStateException("LazyFS answered '" + answer + "' to clear-cache: " + Files.readString(log));
        }
        close();
        mount();
    }

    /** A command to LazyFS's fault FIFO, e.g. {@code lazyfs::torn-op::file=F::parts=3::persist=1}. */
    void command(String command) throws IOException {
        try (OutputStream out = new FileOutputStream(faults.toFile())) {
            out.write((command + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    String log() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** Unmounts (fusermount3 -u, else umount -l) and stops LazyFS; never leaves a mount behind, also a dead one. */
    @Override
    public void close() throws Exception {
        if (listed()) {
            if (run("fusermount3", "-u", mountPoint.toString()) != 0 || listed()) {
                run("umount", "-l", mountPoint.toString());
            }
        }
        if (process != null && !process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (done != null) {
            done.cancel(true);
        }
        process = null;
    }

    /** Whether the mount point is in /proc/mounts: a mount whose LazyFS died is, though nothing answers there. */
    private boolean listed() throws IOException {
        String point = " " + mountPoint + " ";
        return Files.readAllLines(Path.of("/proc/mounts")).stream().anyMatch(line -> line.contains(point));
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(20, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }
}
