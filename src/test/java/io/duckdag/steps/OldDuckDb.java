package io.duckdag.steps;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A DuckDB 1.x client in a child process (the old driver's classes have the same names as
 * the 2.0 driver's, so they cannot share a class path). Maven copies the old driver into
 * target/old-duckdb and names it in the system property {@code old.duckdb.jar}.
 */
final class OldDuckDb {
    static final Path CLIENT = Path.of("src/test/resources/old-duckdb/OldClient.java");

    /** What the client printed: the rows of every query, or DuckDB's refusal and exit code 1. */
    record Answer(int exitCode, List<String> rows, String error) {
    }

    private OldDuckDb() {
    }

    static Answer query(Path db, String... sql) throws Exception {
        String jar = System.getProperty("old.duckdb.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new AssertionError("the old DuckDB driver is missing (" + jar + "); run the tests through Maven, "
                    + "which copies it into target/old-duckdb");
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", jar, CLIENT.toString(), db.toString()));
        command.addAll(List.of(sql));
        Path err = Files.createTempFile(db.toAbsolutePath().getParent(), "old-client", ".err");
        Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the old DuckDB client did not finish in 2 minutes");
        }
        String error = Files.readString(err);
        Files.delete(err);
        return new Answer(p.exitValue(), out.lines().toList(), error.strip());
    }
}
