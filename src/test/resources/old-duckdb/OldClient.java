import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A user's DuckDB client, for tests: run with an older DuckDB JDBC driver on the class path,
 * {@code java -cp duckdb_jdbc-1.0.0.jar OldClient.java DB SQL...}. Opens DB the way the duckdb CLI
 * does and prints the rows of each SQL in turn, columns joined by '|'; a refusal goes to stderr,
 * exit code 1.
 */
public final class OldClient {
    private OldClient() {
    }

    public static void main(String[] args) {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + args[0])) {
            for (int q = 1; q < args.length; q++) {
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(args[q])) {
                    int n = rs.getMetaData().getColumnCount();
                    while (rs.next()) {
                        StringBuilder row = new StringBuilder();
                        for (int i = 1; i <= n; i++) {
                            row.append(i > 1 ? "|" : "").append(rs.getString(i));
                        }
                        System.out.println(row);
                    }
                }
            }
        } catch (SQLException e) {
            System.err.println(e.getMessage());
            System.exit(1);
        }
    }
}
