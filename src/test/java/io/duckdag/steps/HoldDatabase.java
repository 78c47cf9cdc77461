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
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), HoldDatabase.class.getName(), db.toString(), Long.toString(millis),
                ready.toString()).inheritIO().start();
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
