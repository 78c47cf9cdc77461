package io.duckdag.lake;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.CodeSource;
import java.util.Locale;
import java.util.Optional;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * Puts DuckDB's native library beside duckdag's jar, where the JDBC driver loads it in place.
 *
 * <p>The driver (org.duckdb.DuckDBNative, 2.0.0.1) looks for its library in this order: the
 * resource {@code /libduckdb_java.so_<os>_<arch>}, which it copies to a new temporary file on
 * every start (71 MB, about 0.6 s, left behind by every kill -9); then
 * {@code System.loadLibrary("duckdb_java")} on java.library.path; then a file named like the
 * resource in the folder of the jar it was loaded from. The packaged jar therefore carries the
 * libraries under {@code duckdb-native/} instead, out of the driver's sight, and this class
 * copies the one for this platform beside the jar once. Later processes find it there and the
 * driver loads it without copying.
 *
 * <p>Whatever the driver would find before the folder of the jar is left alone: run from a
 * class path that holds the driver's own jar (the tests, an IDE), the driver unpacks as it
 * always did; a library on java.library.path wins as it does in the driver.
 */
public final class DuckDbLibrary {
    static final String EMBEDDED_FOLDER = "duckdb-native/";
    private static final String DRIVER_CLASS = "org.duckdb.DuckDBNative";

    private static boolean ready;

    private static final class DamagedJarException extends IOException {
        DamagedJarException(String message) {
            super(message);
        }
    }

    private DuckDbLibrary() {
    }

    /** Makes sure the driver will find its library without unpacking it; once per process. */
    public static synchronized void prepare() throws IOException {
        if (!ready) {
            prepare(DuckDbLibrary.class.getClassLoader());
            ready = true;
        }
    }

    static void prepare(ClassLoader loader) throws IOException {
        Class<?> driver;
        try {
            // Loaded, not initialized: initializing it is what loads the library.
            driver = Class.forName(DRIVER_CLASS, false, loader);
        } catch (ClassNotFoundException e) {
            return;
        }
        String name = libraryName();
        if (driver.getResource("/" + name) != null || onJavaLibraryPath()) {
            return;
        }
        URL embedded = loader.getResource(EMBEDDED_FOLDER + name);
        Optional<Path> folder = driverJarFolder(driver);
        if (embedded == null || folder.isEmpty()) {
            // No copy of ours for this platform: the driver reports what it could not find.
            return;
        }
        URLConnection connection = embedded.openConnection();
        if (!(connection instanceof JarURLConnection jarConnection)) {
            return;
        }
        try (JarFile jar = new JarFile(new File(jarConnection.getJarFileURL().toURI()))) {
            JarEntry entry = jar.getJarEntry(EMBEDDED_FOLDER + name);
            if (entry == null || entry.getSize() < 0 || entry.getCrc() < 0) {
                return;
            }
            new Installation(jar, entry, folder.get(), name).ensure();
        } catch (URISyntaxException e) {
            throw new IOException("cannot locate the jar of " + embedded + ": " + e.getMessage(), e);
        }
    }

    /** The name of this platform's library, as the driver spells it. */
    public static String libraryName() {
        return libraryName(System.getProperty("os.name"), System.getProperty("os.arch"));
    }

    /** The resource name DuckDBNative.nativeLibName() gives, computed the same way. */
    static String libraryName(String osName, String osArch) {
        String os = osName.toLowerCase(Locale.ROOT).trim();
        if (os.startsWith("windows")) {
            os = "windows";
        } else if (os.startsWith("mac")) {
            os = "macos";
        } else if (os.startsWith("linux")) {
            os = "linux";
        } else {
            os = os.replaceAll("[^a-z0-9_\\-.]", "");
        }
        String arch = osArch.toLowerCase(Locale.ROOT).trim();
        arch = switch (arch) {
            case "x86_64", "amd64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            default -> arch.replaceAll("[^a-z0-9_\\-.]", "");
        };
        return "libduckdb_java.so_" + os + "_" + arch;
    }

    /** The folder the driver's last lookup searches: that of its jar, symbolic links resolved. */
    static Optional<Path> driverJarFolder(Class<?> driver) throws IOException {
        CodeSource source = driver.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            return Optional.empty();
        }
        try {
            Path parent = Paths.get(source.getLocation().toURI()).getParent();
            return parent == null ? Optional.empty() : Optional.of(parent.toRealPath());
        } catch (URISyntaxException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static boolean onJavaLibraryPath() {
        String file = System.mapLibraryName("duckdb_java");
        String path = System.getProperty("java.library.path", "");
        // A one-character separator that is no regex character: split() takes no regex here.
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isRegularFile(Path.of(dir, file))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The library for this platform beside the jar, and a stamp file recording that it was
     * checked against the jar: its size and modification time, and the jar entry's CRC-32. A
     * matching stamp spares each start reading 71 MB; a library without one (copied by hand,
     * or its stamp not yet written) is checked in full once; anything else is replaced.
     */
    private record Installation(JarFile jar, JarEntry entry, Path folder, String name) {
        Path library() {
            return folder.resolve(name);
        }

        Path stamp() {
            return folder.resolve(name + ".verified");
        }

        void ensure() throws IOException {
            Optional<BasicFileAttributes> existing = attributes(library());
            if (existing.isPresent() && existing.get().size() == entry.getSize()) {
                if (stampText(existing.get()).equals(read(stamp()))) {
                    return;
                }
                if (crc32(library()) == entry.getCrc()) {
                    writeStampIfPossible();
                    return;
                }
            }
            install();
        }

        private void install() throws IOException {
            // A name of this process's own: processes that start together each write their
            // own copy, and each rename puts a whole, checked library in place.
            Path temporary = folder.resolve("." + name + "." + ProcessHandle.current().pid() + ".tmp");
            try {
                removeAbandonedCopies();
                copyChecked(temporary);
                temporary.toFile().setExecutable(true, false);
                try {
                    Files.move(temporary, library(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (IOException e) {
                    // Windows refuses to replace a library that another process has loaded: if
                    // that is one another duckdag has just put there, it will do.
                    Optional<BasicFileAttributes> now = attributes(library());
                    if (now.isEmpty() || now.get().size() != entry.getSize() || crc32(library()) != entry.getCrc()) {
                        throw e;
                    }
                }
            } catch (DamagedJarException e) {
                throw e;
            } catch (IOException e) {
                throw new IOException("DuckDB's native library must be at " + library() + ", beside duckdag's jar, "
                        + "and duckdag cannot put it there (" + e + "). Run duckdag once as a user who may write to "
                        + folder + ", or extract " + EMBEDDED_FOLDER + name + " from the jar into that folder yourself, "
                        + "or extract it into another folder as " + System.mapLibraryName("duckdb_java")
                        + " and start java with -Djava.library.path=<that folder>.", e);
            } finally {
                Files.deleteIfExists(temporary);
            }
            forceFolder();
            writeStampIfPossible();
        }

        /** Copies the entry, forced to disk, and checks the copy's length and CRC-32 against the jar's record. */
        private void copyChecked(Path target) throws IOException {
            CRC32 crc = new CRC32();
            long length = 0;
            try (InputStream in = jar.getInputStream(entry);
                 FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                         StandardOpenOption.TRUNCATE_EXISTING)) {
                byte[] buffer = new byte[1 << 20];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    crc.update(buffer, 0, n);
                    ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
                    while (chunk.hasRemaining()) {
                        out.write(chunk);
                    }
                    length += n;
                }
                out.force(true);
            }
            if (length != entry.getSize() || crc.getValue() != entry.getCrc()) {
                throw new DamagedJarException("the copy of " + entry.getName() + " read from " + jar.getName()
                        + " does not match the jar's checksum (the jar is damaged)");
            }
        }

        /** Copies (and stamps) that a process killed while writing one left behind: its pid is gone. */
        private void removeAbandonedCopies() throws IOException {
            Pattern temporary = Pattern.compile("\\.(.+)\\.(\\d+)\\.tmp");
            try (var files = Files.list(folder)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    Matcher m = temporary.matcher(file.getFileName().toString());
                    if (m.matches() && (m.group(1).equals(name) || m.group(1).equals(stamp().getFileName().toString()))
                            && isGone(m.group(2))) {
                        Files.deleteIfExists(file);
                    }
                }
            }
        }

        private static boolean isGone(String pid) {
            try {
                long id = Long.parseLong(pid);
                return id != ProcessHandle.current().pid() && ProcessHandle.of(id).isEmpty();
            } catch (NumberFormatException e) {
                return false;
            }
        }

        /** The stamp is only a shortcut for the next start: without it the library is checked in full again. */
        private void writeStampIfPossible() {
            Path temporary = folder.resolve("." + stamp().getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
            try {
                Optional<BasicFileAttributes> installed = attributes(library());
                if (installed.isEmpty()) {
                    return;
                }
                Files.writeString(temporary, stampText(installed.get()), StandardCharsets.UTF_8);
                Files.move(temporary, stamp(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException ignored) {
                    // nothing more to do: a stale temporary stamp is tiny and replaced next time
                }
            }
        }

        /** Built without String.format, whose first use costs more than the rest of this class. */
        private String stampText(BasicFileAttributes library) {
            String crc = Long.toHexString(entry.getCrc());
            return entry.getName() + " crc32=" + "0".repeat(8 - crc.length()) + crc + " size=" + library.size()
                    + " modified=" + library.lastModifiedTime().toMillis() + "\n";
        }

        /** fsync of the folder so the new name survives a power cut; not possible on every system. */
        private void forceFolder() {
            try (FileChannel ch = FileChannel.open(folder, StandardOpenOption.READ)) {
                ch.force(true);
            } catch (IOException e) {
                // Windows cannot open a folder this way; the stamp is written after this, so a
                // library that a power cut lost is noticed and copied again.
            }
        }

        private static Optional<BasicFileAttributes> attributes(Path file) throws IOException {
            try {
                return Optional.of(Files.readAttributes(file, BasicFileAttributes.class));
            } catch (NoSuchFileException e) {
                return Optional.empty();
            }
        }

        private static String read(Path file) throws IOException {
            try {
                return Files.readString(file, StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                return "";
            }
        }

        private static long crc32(Path file) throws IOException {
            CRC32 crc = new CRC32();
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
                while (ch.read(buffer) > 0) {
                    buffer.flip();
                    crc.update(buffer);
                    buffer.clear();
                }
            }
            return crc.getValue();
        }
    }
}
