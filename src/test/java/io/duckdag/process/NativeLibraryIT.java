package io.duckdag.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckdag.lake.DuckDbLibrary;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar loads DuckDB's native library from beside itself instead of unpacking 71 MB
 * into java.io.tmpdir on every start (which a kill -9 left behind), also when copied elsewhere.
 * Each test copies the jar into a folder of its own and gives the child its own temp folder.
 */
class NativeLibraryIT {
    static final String PIPELINE = """
            pipeline: one
            steps:
              - id: q
                type: sql
                with: { sql: "SELECT 42 AS answer" }
            """;

    @TempDir
    Path dir;
    Path jar;
    Path javaTmp;
    String name;

    @BeforeEach
    void copyTheJar() throws IOException {
        Files.createDirectories(dir.resolve("elsewhere"));
        jar = Files.copy(Duckdag.JAR, dir.resolve("elsewhere/duckdag.jar"));
        javaTmp = Files.createDirectories(dir.resolve("java-tmp"));
        name = DuckDbLibrary.libraryName();
    }

    @Test
    void the_jar_holds_every_platforms_library_where_the_driver_does_not_unpack_it() throws Exception {
        Path driverJar = Path.of(org.duckdb.DuckDBDriver.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> driverLibraries = new ArrayList<>();
        try (JarFile driver = new JarFile(driverJar.toFile()); JarFile ours = new JarFile(jar.toFile())) {
            for (JarEntry e : driver.stream().filter(e -> e.getName().startsWith("libduckdb_java.so_")).toList()) {
                driverLibraries.add(e.getName());
                assertThat(ours.getJarEntry(e.getName())).as("driver's name " + e.getName()).isNull();
                JarEntry copy = ours.getJarEntry("duckdb-native/" + e.getName());
                assertThat(copy).as("duckdb-native/" + e.getName()).isNotNull();
                assertThat(copy.getSize()).isEqualTo(e.getSize());
                assertThat(copy.getCrc()).isEqualTo(e.getCrc());
            }
        }
        assertThat(driverLibraries).contains(name).hasSize(4);
    }

    @Test
    void two_first_runs_at_once_put_one_library_beside_a_copied_jar_and_nothing_in_the_temp_folder() throws Exception {
        List<Duckdag.Running> runs = new ArrayList<>();
        for (String cwd : List.of("a", "b")) {
            runs.add(start(Files.createDirectories(dir.resolve(cwd))));
        }
        for (Duckdag.Running run : runs) {
            Duckdag.Result r = run.await(120);
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.err()).doesNotContain("UnsatisfiedLinkError");
        }

        assertThat(listing(jar.getParent())).containsExactlyInAnyOrder("duckdag.jar", name, name + ".verified");
        assertThat(crc32(jar.getParent().resolve(name))).isEqualTo(embedded().getCrc());
        assertThat(listing(javaTmp)).isEmpty();

        // Later starts load that file in place: it is not copied again.
        BasicFileAttributes before = attributes(jar.getParent().resolve(name));
        Duckdag.Result again = start(dir.resolve("a")).await(120);
        assertThat(again.code()).as(again.err()).isZero();
        BasicFileAttributes after = attributes(jar.getParent().resolve(name));
        assertThat(after.fileKey()).isEqualTo(before.fileKey());
        assertThat(after.lastModifiedTime()).isEqualTo(before.lastModifiedTime());
        assertThat(listing(javaTmp)).isEmpty();
    }

    @Test
    void a_process_killed_with_duckdb_loaded_leaves_nothing_in_the_temp_folder() throws Exception {
        Path cwd = Files.createDirectories(dir.resolve("a"));
        Duckdag.Result killed = start(cwd, Map.of("DUCKDAG_FAILPOINT", "after:q")).await(120);
        assertThat(killed.code()).as(killed.err()).isEqualTo(137);
        assertThat(killed.err()).contains("failpoint after:q");
        assertThat(listing(javaTmp)).isEmpty();
        assertThat(listing(jar.getParent())).containsExactlyInAnyOrder("duckdag.jar", name, name + ".verified");
    }

    @Test
    void a_wrong_library_of_the_right_size_and_a_killed_copy_are_replaced_a_live_processs_copy_is_not() throws Exception {
        Path library = jar.getParent().resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(library.toFile(), "rw")) {
            f.setLength(embedded().getSize());
        }
        Files.writeString(jar.getParent().resolve(name + ".verified"), "stale\n");
        Path abandoned = jar.getParent().resolve("." + name + "." + deadPid() + ".tmp");
        Files.writeString(abandoned, "half a library");
        Path live = jar.getParent().resolve("." + name + "." + ProcessHandle.current().pid() + ".tmp");
        Files.writeString(live, "being written");

        Duckdag.Result r = start(Files.createDirectories(dir.resolve("a"))).await(120);

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(crc32(library)).isEqualTo(embedded().getCrc());
        assertThat(abandoned).doesNotExist();
        assertThat(live).exists();
        assertThat(listing(javaTmp)).isEmpty();
    }

    @Test
    void a_library_put_there_by_hand_is_checked_once_and_kept() throws Exception {
        Path library = jar.getParent().resolve(name);
        try (JarFile ours = new JarFile(jar.toFile()); InputStream in = ours.getInputStream(embedded())) {
            Files.copy(in, library, StandardCopyOption.REPLACE_EXISTING);
        }
        BasicFileAttributes before = attributes(library);

        Duckdag.Result r = start(Files.createDirectories(dir.resolve("a"))).await(120);

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(attributes(library).fileKey()).isEqualTo(before.fileKey());
        assertThat(Files.readString(jar.getParent().resolve(name + ".verified")))
                .contains(String.format("crc32=%08x", embedded().getCrc()));
        assertThat(listing(javaTmp)).isEmpty();
    }

    private Duckdag.Running start(Path cwd) throws IOException {
        return start(cwd, Map.of());
    }

    private Duckdag.Running start(Path cwd, Map<String, String> env) throws IOException {
        Files.writeString(cwd.resolve("one.yaml"), PIPELINE);
        return Duckdag.start(jar, List.of("-Djava.io.tmpdir=" + javaTmp), cwd, env, "run", "one.yaml");
    }

    private JarEntry embedded() throws IOException {
        try (JarFile ours = new JarFile(jar.toFile())) {
            return ours.getJarEntry("duckdb-native/" + name);
        }
    }

    /** The pid of a process that has exited. */
    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }

    private static List<String> listing(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).toList();
        }
    }

    private static BasicFileAttributes attributes(Path file) throws IOException {
        return Files.readAttributes(file, BasicFileAttributes.class);
    }

    private static long crc32(Path file) throws IOException {
        CRC32 crc = new CRC32();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 20];
            for (int n; (n = in.read(buffer)) > 0; ) {
                crc.update(buffer, 0, n);
            }
        }
        return crc.getValue();
    }
}
