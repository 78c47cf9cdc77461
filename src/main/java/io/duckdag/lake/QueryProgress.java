package io.duckdag.lake;

import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.duckdb.DuckDBPreparedStatement;

/**
 * Polls DuckDB's own progress of a running statement (the driver's getQueryProgress, what
 * DuckDB's CLI draws its progress bar from) once a second and hands the percentage on, for the
 * console's live line. Closing it stops the polling; a statement DuckDB cannot estimate reports
 * nothing.
 */
public final class QueryProgress implements AutoCloseable {
    private static final ScheduledExecutorService POLLER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "duckdag-query-progress");
        t.setDaemon(true);
        return t;
    });
    private static final QueryProgress NONE = new QueryProgress(null);

    private final ScheduledFuture<?> polling;

    private QueryProgress(ScheduledFuture<?> polling) {
        this.polling = polling;
    }

    /** Starts polling {@code statement}, which is about to be executed on this thread; says "what, 45% (1,200,000 rows)". */
    public static QueryProgress watch(Statement statement, String what, java.util.function.Consumer<String> say) {
        DuckDBPreparedStatement duck;
        try {
            duck = statement.unwrap(DuckDBPreparedStatement.class);
        } catch (SQLException notDuckDb) {
            return NONE;
        }
        return new QueryProgress(POLLER.scheduleAtFixedRate(() -> {
            try {
                org.duckdb.QueryProgress q = duck.getQueryProgress();
                if (q.getPercentage() >= 0) {
                    say.accept(String.format(java.util.Locale.ROOT, "%s, %.0f%% (%,d rows)", what, q.getPercentage(), q.getRowsProcessed()));
                }
            } catch (SQLException | RuntimeException ignored) {
                // no statement running at this instant, or one DuckDB cannot estimate: nothing to say
            }
        }, 1, 1, TimeUnit.SECONDS));
    }

    @Override
    public void close() {
        if (polling != null) {
            polling.cancel(false);
        }
    }
}
