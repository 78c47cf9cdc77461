package io.duckdag.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ./duckdag launcher as users run it: its class-data-sharing archive is made once and then
 * used, and neither making nor using it adds a byte to what duckdag prints.
 */
class LauncherIT {
    @TempDir
    Path dir;

    String[] run(String... args) throws Exception {
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        String[] cmd = new String[args.length + 1];
        cmd[0] = Path.of("duckdag").toAbsolutePath().toString();
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).directory(Path.of("").toAbsolutePath().toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new String[] {Integer.toString(p.exitValue()), Files.readString(out), Files.readString(err)};
    }

    @Test
    void the_archive_is_made_once_and_prints_nothing() throws Exception {
        Path jsa = Path.of("target/duckdag.jsa");
        Files.deleteIfExists(jsa);

        String[] first = run("validate", "pipelines/hello.yaml");
        assertThat(jsa).exists();
        long made = Files.getLastModifiedTime(jsa).toMillis();
        String[] second = run("validate", "pipelines/hello.yaml");

        assertThat(first).containsExactly("0", "pipelines/hello.yaml: pipeline hello is valid (3 steps, 4 after expansion).\n", "");
        assertThat(second).containsExactly(first);
        assertThat(Files.getLastModifiedTime(jsa).toMillis()).isEqualTo(made);
        try (var left = Files.list(Path.of("target"))) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("duckdag.jsa."));
        }
    }

    @Test
    void an_archive_older_than_the_jar_is_made_again() throws Exception {
        Path jsa = Path.of("target/duckdag.jsa");
        Path jar = Path.of("target/duckdag.jar");
        run("validate", "pipelines/hello.yaml");
        // As after 'mvn package': the jar is newer than the archive made for the one before.
        Files.setLastModifiedTime(jsa, java.nio.file.attribute.FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() - 60_000));

        String[] again = run("validate", "pipelines/hello.yaml");

        assertThat(again[0]).isEqualTo("0");
        assertThat(again[2]).isEmpty();
        assertThat(Files.getLastModifiedTime(jsa).toMillis()).isGreaterThanOrEqualTo(Files.getLastModifiedTime(jar).toMillis());
    }
}
