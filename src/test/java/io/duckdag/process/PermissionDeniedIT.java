package io.duckdag.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckdag.lake.DuckDbLibrary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Permission denied while a run is under way: the jar runs as the user nobody (file modes do
 * not stop root, which runs the suite), over a lake where one partition folder or metadata.db
 * belongs to root. The step that cannot write fails naming the place and the system's reason,
 * what it could not change is exactly as it was, and once the owner is fixed a resume finishes.
 */
class PermissionDeniedIT {
    static final String PIPELINE = """
            pipeline: perms
            settings: { lake: lake, staging: staging, backups: backups, metadata_db: metadata.db, state_dir: state }
            tables:
              t: { partition_by: [year], sort_by: [id] }
            steps:
              - { id: compact, type: compact, with: { table: t } }
              - { id: verify, type: verify, with: { table: t }, depends_on: [compact] }
              - { id: swap, type: swap, with: { table: t }, depends_on: [verify] }
              - { id: sync, type: sync-metadata, depends_on: [swap] }
            """;

    @TempDir
    Path root;
    Path cwd;

    @BeforeEach
    void lakeOwnedByNobody() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/setpriv")),
                "not root, or no setpriv: the permission cases need to run duckdag as another user");
        // nobody must be able to start java and read the jar (not so in a checkout under a private home folder).
        Process probe = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-version").redirectErrorStream(true).start();
        probe.getInputStream().readAllBytes();
        Process reads = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "test", "-r", Duckdag.JAR.toString())
                .redirectErrorStream(true).start();
        Assumptions.assumeTrue(probe.waitFor() == 0 && reads.waitFor() == 0, "the user nobody cannot run java or read " + Duckdag.JAR
                + ": the permission cases are not tried");
        DuckDbLibrary.prepare();
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        cwd = Files.createDirectories(root.resolve("w"));
        Files.writeString(cwd.resolve("perms.yaml"), PIPELINE);
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            for (int year : List.of(2023, 2024)) {
                Path dir = Files.createDirectories(cwd.resolve("lake/t/year=" + year));
                for (int i = 0; i < 3; i++) {
                    s.execute("COPY (SELECT " + (year * 10_000 + i * 1000) + " + range AS id, md5(range::VARCHAR) AS v FROM range(1000) "
                            + "ORDER BY v) TO '" + dir.resolve("f" + i + ".parquet") + "' (FORMAT parquet)");
                }
            }
        }
        sh("chown", "-R", "65534:65534", cwd.toString());
        expected = LakeInvariants.expect(cwd.resolve("lake"), List.of(T));
    }

    static final LakeInvariants.Table T = new LakeInvariants.Table("t", List.of("year"), List.of("id"), List.of());
    java.util.Map<String, LakeInvariants.Rows> expected;

    @Test
    void a_partition_folder_nobody_may_write_stops_swap_with_the_reason_and_a_resume_finishes_once_it_may() throws Exception {
        Path partition = cwd.resolve("lake/t/year=2024");
        sh("chown", "0:0", partition.toString());
        List<String> before = tree(partition);

        Duckdag.Result denied = Duckdag.runAsNobody(cwd, "run", "perms.yaml");

        assertThat(denied.code()).as(denied.out() + denied.err()).isEqualTo(1);
        // Each partition is swapped whole or not at all: year=2023 may be live already, year=2024 is as it was.
        assertThat(denied.out()).contains("FAILED   swap").contains("partition year=2024 of t: a rename failed: Permission denied (in "
                + partition + ")").contains("its files are as they were. Fix the cause, then resume the run");
        assertThat(tree(partition)).isEqualTo(before);

        sh("chown", "65534:65534", partition.toString());
        Duckdag.Result resumed = Duckdag.runAsNobody(cwd, "run", "perms.yaml", "--resume");
        assertThat(resumed.code()).as(resumed.out() + resumed.err()).isZero();
        assertThat(rows()).isEqualTo("6000|6000");
        LakeInvariants.check(new LakeInvariants.Folders(cwd.resolve("lake"), cwd.resolve("staging/perms"), cwd.resolve("state/perms"),
                cwd.resolve("metadata.db")), List.of(T), expected);
    }

    @Test
    void a_metadata_database_nobody_may_write_stops_sync_with_the_reason_and_a_resume_finishes_once_it_may() throws Exception {
        Duckdag.Result first = Duckdag.runAsNobody(cwd, "run", "perms.yaml");
        assertThat(first.code()).as(first.out() + first.err()).isZero();
        // A late file, so that sync has a view to change.
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            s.execute("COPY (SELECT 2024 * 10000 + 5000 + range AS id, md5(range::VARCHAR) AS v FROM range(10)) TO '"
                    + cwd.resolve("lake/t/year=2024/late.parquet") + "' (FORMAT parquet)");
        }
        sh("chown", "65534:65534", cwd.resolve("lake/t/year=2024/late.parquet").toString());
        sh("chown", "0:0", cwd.resolve("metadata.db").toString());
        sh("chmod", "644", cwd.resolve("metadata.db").toString());

        Duckdag.Result denied = Duckdag.runAsNobody(cwd, "run", "perms.yaml");

        assertThat(denied.code()).as(denied.out() + denied.err()).isEqualTo(1);
        assertThat(denied.out()).contains("sync").contains("metadata.db");
        assertThat(denied.out() + denied.err()).containsIgnoringCase("permission denied");
        sh("chown", "65534:65534", cwd.resolve("metadata.db").toString());
        Duckdag.Result resumed = Duckdag.runAsNobody(cwd, "run", "perms.yaml", "--resume");
        assertThat(resumed.code()).as(resumed.out() + resumed.err()).isZero();
        assertThat(rows()).isEqualTo("6010|6010");
    }

    @Test
    void staging_or_state_nobody_may_write_is_refused_before_any_work_naming_the_setting_and_a_run_succeeds_once_it_may() throws Exception {
        for (String folder : List.of("staging", "state")) {
            Path dir = Files.createDirectories(cwd.resolve(folder));
            sh("chown", "0:0", dir.toString());
            List<String> before = tree(cwd.resolve("lake"));

            Duckdag.Result denied = Duckdag.runAsNobody(cwd, "run", "perms.yaml");

            assertThat(denied.code()).as(denied.out() + denied.err()).isEqualTo(2);
            assertThat(denied.err()).startsWith("error: settings." + (folder.equals("state") ? "state_dir" : folder)
                    + ": duckdag cannot write in " + dir).contains(": Permission denied; ").endsWith("nothing was run\n");
            assertThat(tree(cwd.resolve("lake"))).isEqualTo(before);
            sh("chown", "65534:65534", dir.toString());
        }
        Duckdag.Result ran = Duckdag.runAsNobody(cwd, "run", "perms.yaml");
        assertThat(ran.code()).as(ran.out() + ran.err()).isZero();
        LakeInvariants.check(new LakeInvariants.Folders(cwd.resolve("lake"), cwd.resolve("staging/perms"), cwd.resolve("state/perms"),
                cwd.resolve("metadata.db")), List.of(T), expected);
    }

    String rows() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + cwd.resolve("metadata.db"));
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*), count(DISTINCT id) FROM t")) {
            rs.next();
            return rs.getString(1) + "|" + rs.getString(2);
        }
    }

    static List<String> tree(Path dir) throws Exception {
        List<String> out = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted().toList()) {
                out.add(dir.relativize(p) + (Files.isRegularFile(p) ? " " + Files.size(p) : ""));
            }
        }
        return out;
    }

    static void sh(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(String.join(" ", command) + ": " + said).isZero();
    }
}
