package io.duckdag.steps;

import io.duckdag.lake.DuckDb;
import io.duckdag.pipeline.StepConfig;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs the user's DuckDB SQL, in memory or against a database file, with the pipeline's
 * DuckDB settings. A timeout or interrupt cancels the running query. The first rows of the
 * last result go to the step log.
 */
public final class SqlStep implements StepExecutor {
    static final int ROWS_LOGGED = 20;

    @Override
    public StepResult execute(StepContext ctx) throws Exception {
        StepConfig.Sql sql = (StepConfig.Sql) ctx.step().config();
        ctx.log().println("-- " + sql.database().map(d -> "database " + d).orElse("in-memory database"));
        ctx.log().println(sql.sql().strip());
        Map<String, Object> metrics = new LinkedHashMap<>();
        try (Connection connection = DuckDb.open(sql.database(), ctx.pipeline().settings().duckdb());
             Statement statement = connection.createStatement();
             AutoCloseable stop = ctx.cancellation().onCancel(() -> cancelQuietly(statement))) {
            boolean hasResult = statement.execute(sql.sql());
            if (hasResult) {
                try (ResultSet rs = statement.getResultSet()) {
                    metrics.put("result_rows", logRows(rs, ctx));
                }
            } else {
                metrics.put("rows_changed", statement.getUpdateCount());
            }
        } catch (SQLException e) {
            ctx.cancellation().throwIfCancelled();
            throw new StepFailedException("DuckDB refused the SQL of step " + ctx.step().id() + ": " + firstLine(e.getMessage())
                    + "; fix 'sql' under its with:, then resume the run");
        }
        return StepResult.of(metrics);
    }

    private static long logRows(ResultSet rs, StepContext ctx) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        StringBuilder header = new StringBuilder();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
            header.append(i > 1 ? "\t" : "").append(meta.getColumnName(i));
        }
        ctx.log().println(header);
        long n = 0;
        while (rs.next()) {
            if (n < ROWS_LOGGED) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    row.append(i > 1 ? "\t" : "").append(rs.getString(i));
                }
                ctx.log().println(row);
            }
            n++;
        }
        ctx.log().println("(" + n + " rows)");
        return n;
    }

    private static void cancelQuietly(Statement statement) {
        try {
            statement.cancel();
        } catch (SQLException e) {
            // the query ended on its own
        }
    }

    private static String firstLine(String message) {
        return message == null ? "no reason given" : message.strip().lines().findFirst().orElse("no reason given");
    }
}
