package io.duckdag.steps;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;

/** A second process that holds a DuckDB database open: {@code HoldDatabase DB MILLIS READY_FILE}. */
public final class HoldDatabase {
    private HoldDatabase() {
    }

    public static void main(String[] args) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + args[0])) {
            c.createStatement().execute("CREATE TABLE IF NOT EXISTS held AS SELECT 1 AS x");
            Files.writeString(Path.of(args[2]), Long.toString(ProcessHandle.current().pid()));
            Thread.sleep(Long.parseLong(args[1]));
        }
    }

    static Process start(Path db, long millis, Path ready) throws Exception {
        // The driver on this class path unpacks its 71 MB library into java.io.tmpdir and deletes
        // it only on a normal exit; tests kill this process, so the copy goes to the test's folder.
        Path tmp = Files.createDirectories(ready.toAbsolutePath().getParent().resolve("holder-tmp"));
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + tmp, "-cp", System.getProperty("java.class.path"), HoldDatabase.class.getName(),
                db.toString(), Long.toString(millis), ready.toString()).inheritIO().start();
        for (int i = 0; i < 400 && !Files.exists(ready); i++) {
            Thread.sleep(25);
        }
        if (!Files.exists(ready)) {
            p.destroyForcibly();
            throw new AssertionError("the holder process did not open " + db);
        }
        return p;
    }
}
