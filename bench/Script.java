import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The one-statement script of the conversation in ../shared/context (scripts/compact_and_sort.py),
 * statement for statement, through the same DuckDB as duckdag: per table one sorted, partitioned
 * COPY into a temporary folder, then two renames (the live folder to _backup, the new one live).
 * Its flaws are kept on purpose: it is the yardstick. Arguments: LAKE TEMP MEMORY THREADS TABLE...
 */
public final class Script {
    public static void main(String[] args) throws Exception {
        // The library is loaded from beside duckdag's jar, as duckdag loads it: the same start-up cost.
        io.duckdag.lake.DuckDbLibrary.prepare();
        Path lake = Path.of(args[0]);
        Path temp = Path.of(args[1]);
        Files.createDirectories(temp);
        try (Connection con = DriverManager.getConnection("jdbc:duckdb:"); Statement s = con.createStatement()) {
            s.execute("SET memory_limit = '" + args[2] + "'");
            s.execute("SET threads = " + args[3]);
            for (int i = 4; i < args.length; i++) {
                Path source = lake.resolve(args[i]);
                Path target = temp.resolve(args[i]);
                try {
                    s.execute("COPY (SELECT * FROM read_parquet('" + source + "/**/*.parquet', hive_partitioning=0) ORDER BY year, ts_code) "
                            + "TO '" + target + "' (FORMAT PARQUET, PARTITION_BY (year), OVERWRITE_OR_IGNORE 1)");
                    Files.move(source, Path.of(source + "_backup"));
                    Files.move(target, source);
                } catch (Exception e) {
                    System.out.println("failed on " + args[i] + ": " + e.getMessage());
                    if (Files.exists(target)) {
                        try (Stream<Path> all = Files.walk(target)) {
                            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                        }
                    }
                }
            }
        }
    }
}
