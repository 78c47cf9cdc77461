package io.duckdag.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckdag.TestPipelines;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile inputs (issue 11, point 6), through the whole CLI in-process: pipelines built to hurt
 * (alias bombs, a 10 MB file, deep nesting, names with '..', '/', quotes, ';' or control
 * characters, params and environment values carrying SQL) are refused with exit 2 and a message
 * pinned word for word; links and special files in the lake are left alone by a documented rule.
 * Around every case the whole test folder (pipeline, lake, state, and what lies outside the lake)
 * is hashed, entry by entry, and must be byte for byte as it was unless the case says otherwise.
 */
class HostileInputsTest {
    @TempDir
    Path dir;

    // ---------------------------------------------------------------- the tree hash

    /**
     * Every entry below {@code root}, links never followed: its path, kind, permissions, and for
     * a file its size and SHA-256, for a link its target. A FIFO is named, never opened.
     */
    static String tree(Path root) throws IOException {
        List<String> lines = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) throws IOException {
                lines.add("d " + rel(d) + " " + mode(d));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                if (a.isSymbolicLink()) {
                    lines.add("l " + rel(f) + " -> " + Files.readSymbolicLink(f));
                } else if (a.isRegularFile()) {
                    lines.add("f " + rel(f) + " " + mode(f) + " " + a.size() + " " + sha256(f));
                } else {
                    lines.add("o " + rel(f) + " " + mode(f));
                }
                return FileVisitResult.CONTINUE;
            }

            private String rel(Path p) {
                return root.relativize(p).toString();
            }
        });
        lines.sort(null);
        return String.join("\n", lines);
    }

    /** The lake's tree without duckdag's own lock folder (.duckdag/, empty lock files), which a run creates and keeps. */
    static String lakeTree(Path lake) throws IOException {
        return tree(lake).lines().filter(l -> !l.matches("[dfl] \\.duckdag(/.*)?( .*)?")).reduce((a, b) -> a + "\n" + b).orElse("");
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    private static String sha256(Path f) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void the_tree_hash_sees_a_changed_byte_a_mode_and_a_retargeted_link() throws Exception {
        Files.writeString(dir.resolve("a"), "x");
        Files.createSymbolicLink(dir.resolve("l"), Path.of("a"));
        String before = tree(dir);
        Files.writeString(dir.resolve("a"), "y");
        assertThat(tree(dir)).isNotEqualTo(before);
        Files.writeString(dir.resolve("a"), "x");
        assertThat(tree(dir)).isEqualTo(before);
        Files.setPosixFilePermissions(dir.resolve("a"), PosixFilePermissions.fromString("rwx------"));
        assertThat(tree(dir)).isNotEqualTo(before);
        Files.setPosixFilePermissions(dir.resolve("a"), PosixFilePermissions.fromString("rw-r--r--"));
        Files.delete(dir.resolve("l"));
        Files.createSymbolicLink(dir.resolve("l"), Path.of("b"));
        assertThat(tree(dir)).isNotEqualTo(before);
    }

    // ---------------------------------------------------------------- pipelines and options

    /** A hostile input: the pipeline text (or null when {@code args} say it all), the command, the exact error. */
    record Case(String name, String yaml, List<String> args, String error) {
        @Override
        public String toString() {
            return name;
        }
    }

    static final String SETTINGS = "settings: { lake: {{dir}}/lake, staging: {{dir}}/staging, backups: {{dir}}/backups, "
            + "metadata_db: {{dir}}/metadata.db, state_dir: {{dir}}/state }\n";

    static String bomb() {
        StringBuilder y = new StringBuilder("pipeline: p\nx0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (int i = 1; i < 10; i++) {
            y.append("x").append(i).append(": &a").append(i).append(" [").append(String.join(", ", java.util.Collections.nCopies(9, "*a" + (i - 1))))
                    .append("]\n");
        }
        return y.append("steps: []\n").toString();
    }

    static String big() {
        StringBuilder y = new StringBuilder("pipeline: p\nsteps:\n");
        String line = "  - { id: s%07d, type: shell, with: { command: \"echo a long line to make the file big\" } }\n";
        for (int i = 0; y.length() < 10 * 1024 * 1024; i++) {
            y.append(String.format(line, i));
        }
        return y.toString();
    }

    static String deep() {
        return "pipeline: p\nsteps: " + "[".repeat(5000) + "]".repeat(5000) + "\n";
    }

    static Stream<Case> pipelines() {
        String shell = "steps:\n  - { id: a, type: shell, with: { command: \"true\" } }\n";
        return Stream.of(
                new Case("alias bomb", bomb(), List.of("run"), "error: P:2:5: YAML anchors ('&a0') are not supported; write the value out in full where"
                        + " it is used\n"),
                new Case("10 MB pipeline", big(), List.of("run"), "error: P:1:1: the file is 10485813 bytes; a pipeline file may be at most 1048576 bytes"
                        + " (1 MiB). Is this the right file?\n"),
                new Case("deep nesting", deep(), List.of("run"), "error: P:2:39: the YAML is nested more than 32 levels deep; a pipeline never needs that\n"),
                new Case("pipeline name with ..", "pipeline: ../../etc\n" + SETTINGS + shell, List.of("run"), "error: P:1:11: the pipeline name must be a plain name of letters, digits, '_' and '-'"
                        + " (at most 64 characters, not starting with '-'), but is '../../etc'\n"),
                new Case("pipeline name with /", "pipeline: a/b\n" + SETTINGS + shell, List.of("run"), "error: P:1:11: the pipeline name must be a plain name of letters, digits, '_' and '-'"
                        + " (at most 64 characters, not starting with '-'), but is 'a/b'\n"),
                new Case("step id with a quote", "pipeline: p\n" + SETTINGS + "steps:\n  - { id: \"a'b\", type: shell, with: { command: \"true\" } }\n",
                        List.of("run"), "error: P:4:11: a step id must be a plain name of letters, digits, '_' and '-' (at most"
                        + " 64 characters, not starting with '-'), but is 'a'b'\n"),
                new Case("step id with a semicolon", "pipeline: p\n" + SETTINGS + "steps:\n  - { id: \"a;b\", type: shell, with: { command: \"true\" } }\n",
                        List.of("run"), "error: P:4:11: a step id must be a plain name of letters, digits, '_' and '-' (at most"
                        + " 64 characters, not starting with '-'), but is 'a;b'\n"),
                new Case("step id with an escape", "pipeline: p\n" + SETTINGS + "steps:\n  - { id: \"a\\e[2Jb\", type: shell, with: { command: \"true\" } }\n",
                        List.of("run"), "error: P:4:11: a step id must be a plain name of letters, digits, '_' and '-' (at most"
                        + " 64 characters, not starting with '-'), but is 'a?[2Jb'\n"),
                new Case("step id with a newline", "pipeline: p\n" + SETTINGS + "steps:\n  - { id: \"a\\nb\", type: shell, with: { command: \"true\" } }\n",
                        List.of("run"), "error: P:4:11: a step id must be a plain name of letters, digits, '_' and '-' (at most"
                        + " 64 characters, not starting with '-'), but is 'a?b'\n"),
                new Case("table name with SQL", "pipeline: p\n" + SETTINGS + "tables:\n  \"t\\\"; DROP TABLE x; --\": { sort_by: [a] }\n" + shell,
                        List.of("run"), "error: P:4:3: a table name must be a plain name of letters, digits, '_' and '-' (at most"
                        + " 64 characters, not starting with '-'), but is 't\"; DROP TABLE x; --'\n"),
                new Case("table name with ..", "pipeline: p\n" + SETTINGS + "tables:\n  \"..\": { sort_by: [a] }\n" + shell, List.of("run"), "error: P:4:3: a table name must be a plain name of letters, digits, '_' and '-' (at most"
                        + " 64 characters, not starting with '-'), but is '..'\n"),
                new Case("foreach item with /", "pipeline: p\n" + SETTINGS + "steps:\n  - { id: a, type: shell, foreach: [\"../x\"], "
                        + "with: { command: \"true\" } }\n", List.of("run"), "error: P:4:37: each entry of foreach must be a plain name of letters, digits, '_' and"
                        + " '-' (at most 64 characters, not starting with '-'), but is '../x'\n"),
                new Case("column name with a control character", "pipeline: p\n" + SETTINGS + "tables:\n  t: { sort_by: [\"a\\x07\"] }\n" + shell,
                        List.of("run"), "error: P:4:18: each entry of sort_by 'a?' holds a control character; write the column's"
                        + " name as the files have it\n"),
                new Case("partition column with /", "pipeline: p\n" + SETTINGS + "tables:\n  t: { partition_by: [\"a/../b\"] }\n" + shell,
                        List.of("run"), "error: P:4:23: each entry of partition_by 'a/../b' holds '/' or '=': a partition column"
                        + " is a folder <name>=<value>, so its name cannot hold them\n"),
                new Case("param carrying SQL as a table name", "pipeline: p\n" + SETTINGS + "params: { t: t }\ntables:\n  t: { sort_by: [a] }\n"
                        + "steps:\n  - { id: c, type: compact, with: { table: \"${params.t}\" } }\n",
                        List.of("run", "--param", "t=t\"; DROP TABLE t; --"), "error: P:7:44: a table name must be a plain name of letters, digits, '_' and '-' (at"
                        + " most 64 characters, not starting with '-'), but is 't\"; DROP TABLE t; --'\n"),
                new Case("env value carrying SQL as a table name", "pipeline: p\n" + SETTINGS + "tables:\n  t: { sort_by: [a] }\n"
                        + "steps:\n  - { id: c, type: compact, with: { table: \"${env.HOME}\" } }\n", List.of("run"), "error: P:6:44: a table name must be a plain name of letters, digits, '_' and '-' (at"
                        + " most 64 characters, not starting with '-'), but is '/home/analyst'\n"),
                new Case("param name with SQL", "pipeline: p\n" + SETTINGS + "params: { d: x }\n" + shell,
                        List.of("run", "--param", "d'; DROP TABLE t; --=1"), "error: --param d'; DROP TABLE t; --=1: P has no param 'd'; DROP TABLE t; --' (it"
                        + " declares: d); declare it under 'params:' first\n"),
                new Case("param value with a control character in a path", "pipeline: p\n" + SETTINGS + "params: { t: t }\n"
                        + "tables:\n  t: { sort_by: [a] }\nsteps:\n  - { id: c, type: compact, with: { table: \"${params.t}\" } }\n",
                        List.of("run", "--param", "t=t\u001b[2J"), "error: P:7:44: a table name must be a plain name of letters, digits, '_' and '-' (at"
                        + " most 64 characters, not starting with '-'), but is 't?[2J'\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pipelines")
    void hostile_pipelines_are_refused_with_exit_2_and_change_nothing(Case c) throws Exception {
        Path file = dir.resolve("p.yaml");
        Files.writeString(file, c.yaml().replace("{{dir}}", dir.toString()), StandardCharsets.UTF_8);
        Files.createDirectories(dir.resolve("lake/t/year=2024"));
        Files.writeString(dir.resolve("lake/t/year=2024/x.parquet"), "not really parquet");
        Files.createDirectories(dir.resolve("state/p"));
        Files.writeString(dir.resolve("state/p/keep"), "state");
        String before = tree(dir);

        List<String> args = new ArrayList<>(c.args());
        args.add(1, file.toString());
        CliRunner.Result r = CliRunner.run(args.toArray(String[]::new));

        assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
        assertThat(r.err().replace(file.toString(), "P").replace(dir.toString(), "D")).isEqualTo(c.error());
        assertThat(r.err()).as("no control character reaches the terminal").doesNotContainPattern("[\\p{Cntrl}&&[^\\n]]");
        assertThat(tree(dir)).isEqualTo(before);
    }

    // ---------------------------------------------------------------- names that reach duckdag's own SQL

    @Test
    void a_column_named_with_quotes_and_a_semicolon_is_quoted_in_every_statement_duckdag_writes() throws Exception {
        String column = "a\"; DROP TABLE t; --";
        Path file = dir.resolve("p.yaml");
        Files.writeString(file, TestPipelines.text("lake", Map.of("dir", dir)).replace("sort_by: [code]", "sort_by: ['" + column + "']"));
        parquet(dir.resolve("lake/t/year=2024/x.parquet"), "SELECT * FROM (VALUES ('b'), ('a')) v(" + io.duckdag.lake.Sql.identifier(column) + ")");

        CliRunner.Result run = bounded("run", file.toString());

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        CliRunner.Result query = bounded("query", file.toString(), "SELECT * FROM t", "--format", "csv");
        assertThat(query.out()).isEqualTo("\"a\"\"; DROP TABLE t; --\",year\na,2024\nb,2024\n");
    }

    // ---------------------------------------------------------------- links and special files in the lake

    static void parquet(Path f, String select) throws Exception {
        Files.createDirectories(f.getParent());
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
            c.createStatement().execute("COPY (" + select + ") TO " + io.duckdag.lake.Sql.literal(f.toString()) + " (FORMAT PARQUET)");
        }
    }

    static void parquet(Path f) throws Exception {
        parquet(f, "SELECT * FROM (VALUES ('b'), ('a')) v(code)");
    }

    static void fifo(Path p) throws Exception {
        Files.createDirectories(p.getParent());
        assertThat(new ProcessBuilder("mkfifo", p.toString()).inheritIO().start().waitFor()).isZero();
    }

    /** The CLI in-process, failing the test (rather than hanging it) if it does not finish: a FIFO read would wait forever. */
    static CliRunner.Result bounded(String... args) {
        return Assertions.assertTimeoutPreemptively(Duration.ofSeconds(90), () -> CliRunner.run(args));
    }

    String log(String step) throws IOException {
        try (Stream<Path> logs = Files.walk(dir.resolve("state/lake/runs"))) {
            Path log = logs.filter(p -> p.getFileName().toString().equals(step + ".log")).findFirst().orElseThrow();
            return Files.readString(log);
        }
    }

    @Test
    void links_out_of_the_lake_a_linked_partition_and_a_fifo_are_not_part_of_the_table_and_stay_as_they_are() throws Exception {
        Path file = TestPipelines.write(dir.resolve("lake.yaml"), "lake", Map.of("dir", dir));
        parquet(dir.resolve("outside/secret.parquet"));
        parquet(dir.resolve("outside/year=2023/y.parquet"));
        Files.createDirectories(dir.resolve("lake/t/year=2024"));
        Files.createSymbolicLink(dir.resolve("lake/t/year=2024/link.parquet"), dir.resolve("outside/secret.parquet"));
        Files.createSymbolicLink(dir.resolve("lake/t/year=2023"), dir.resolve("outside/year=2023"));
        fifo(dir.resolve("lake/t/year=2024/fifo.parquet"));
        String lake = lakeTree(dir.resolve("lake"));
        String outside = tree(dir.resolve("outside"));

        CliRunner.Result plan = bounded("plan", file.toString());
        CliRunner.Result run = bounded("run", file.toString());

        assertThat(plan.exitCode()).as(plan.err()).isZero();
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("partitions_rewritten=0");
        assertThat(log("compact[t]")).contains("warning: 3 symbolic links or special files (FIFO, socket, device) under " + dir.resolve("lake/t")
                + " are not part of the table: compaction never follows, reads or moves them, e.g. year=2023\n");
        assertThat(log("sync")).as("no view reads through the links").contains("=== succeeded {views=0}");
        assertThat(lakeTree(dir.resolve("lake"))).isEqualTo(lake);
        assertThat(tree(dir.resolve("outside"))).isEqualTo(outside);
    }

    @Test
    void a_table_folder_that_is_a_link_is_no_table_and_nothing_is_moved_through_it() throws Exception {
        Path file = TestPipelines.write(dir.resolve("lake.yaml"), "lake", Map.of("dir", dir));
        parquet(dir.resolve("outside/t/year=2024/a.parquet"));
        parquet(dir.resolve("outside/t/year=2024/b.parquet"));
        Files.createDirectories(dir.resolve("lake"));
        Files.createSymbolicLink(dir.resolve("lake/t"), dir.resolve("outside/t"));
        String lake = lakeTree(dir.resolve("lake"));
        String outside = tree(dir.resolve("outside"));

        CliRunner.Result run = bounded("run", file.toString());

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("partitions_rewritten=0");
        assertThat(log("compact[t]")).contains("e.g. . (the table folder itself)");
        assertThat(lakeTree(dir.resolve("lake"))).isEqualTo(lake);
        assertThat(tree(dir.resolve("outside"))).isEqualTo(outside);
    }

    @Test
    void beside_real_files_a_link_keeps_the_view_from_being_refreshed_until_it_goes_and_is_never_moved() throws Exception {
        Path file = TestPipelines.write(dir.resolve("lake.yaml"), "lake", Map.of("dir", dir));
        parquet(dir.resolve("lake/t/year=2024/x.parquet"));
        parquet(dir.resolve("outside/secret.parquet"));
        Path link = dir.resolve("lake/t/year=2024/link.parquet");
        Files.createSymbolicLink(link, dir.resolve("outside/secret.parquet"));
        fifo(dir.resolve("lake/t/year=2024/fifo.parquet"));
        String outside = tree(dir.resolve("outside"));

        CliRunner.Result run = bounded("run", file.toString());

        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(1);
        assertThat(run.out()).contains("partitions_rewritten=1", "files_backed_up=1", "FAILED   sync", "the view t, not refreshed: 1 symbolic "
                + "link(s) below " + dir.resolve("lake/t") + ", e.g. " + link + " -> " + dir.resolve("outside/secret.parquet") + ", which the "
                + "view would follow while compaction and swap leave them alone; duckdag reads only real files and folders in the lake: put "
                + "the files themselves there, or remove the link");
        assertThat(tree(dir.resolve("outside"))).isEqualTo(outside);
        assertThat(Files.readSymbolicLink(link)).isEqualTo(dir.resolve("outside/secret.parquet"));
        assertThat(Files.readAttributes(dir.resolve("lake/t/year=2024/fifo.parquet"), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                .isOther()).isTrue();

        Files.delete(link);
        CliRunner.Result resumed = bounded("run", file.toString(), "--resume");

        assertThat(resumed.exitCode()).as(resumed.out() + resumed.err()).isZero();
        assertThat(bounded("query", file.toString(), "SELECT count(*) AS n FROM t", "--format", "csv").out()).isEqualTo("n\n2\n");
    }
}
