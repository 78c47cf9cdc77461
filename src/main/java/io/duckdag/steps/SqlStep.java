package io.duckdag.steps;

import io.duckdag.kind.PlanContext;
import io.duckdag.kind.StepContext;
import io.duckdag.kind.StepDescription;
import io.duckdag.kind.StepFailedException;
import io.duckdag.kind.KindBase;
import io.duckdag.kind.StepResult;
import io.duckdag.lake.DuckDb;
import io.duckdag.pipeline.Binding;
import io.duckdag.pipeline.Node;
import io.duckdag.pipeline.Nodes;
import io.duckdag.pipeline.PipelineException;
import io.duckdag.pipeline.StepConfig;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Runs the user's DuckDB SQL, in memory or against a database file, with the pipeline's
 * DuckDB settings. A timeout or interrupt cancels the running query. The first rows of the
 * last result go to the step log.
 */
public final class SqlStep extends KindBase<SqlStep.Config> {
    static final int ROWS_LOGGED = 20;
    private static final Set<String> WITH_KEYS = Set.of("sql", "database");

    /** DuckDB SQL, in memory unless a database file is named. */
    public record Config(String sql, Optional<Path> database) implements StepConfig {
    }

    public SqlStep() {
        super("sql", Config.class, Role.FEEDS_LAKE, WITH_KEYS);
    }

    @Override
    public Config bind(Node.Mapping with, Binding binding) {
        Nodes.allowOnly(with, WITH_KEYS, binding.where());
        Node sqlNode = Nodes.required(with, "sql", binding.where());
        String sql = Nodes.text(sqlNode, "sql");
        if (sql.isBlank()) {
            throw new PipelineException(sqlNode.location(), "sql must not be empty");
        }
        return new Config(sql, Nodes.optionalText(with, "database", "database").map(Path::of));
    }

    @Override
    public StepDescription describe(Config q, PlanContext context) {
        String first = context.redact(q.sql()).strip().lines().findFirst().orElse("");
        String where = q.database().map(db -> "on " + db).orElse("in memory");
        return new StepDescription("run SQL " + where + ": " + first + (q.sql().strip().contains("\n") ? " ..." : ""),
                List.of(), q.database().map(List::of).orElse(List.of()));
    }

    @Override
    public StepResult execute(Config sql, StepContext ctx) throws Exception {
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
