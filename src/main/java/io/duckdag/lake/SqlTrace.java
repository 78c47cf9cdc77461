package io.duckdag.lake;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Set;

/**
 * For profiling: with {@code DUCKDAG_TRACE_SQL=<file>} in the environment, every statement a
 * duckdag connection executes is appended to that file with its wall time, its thread and the
 * start of its text, so a slow run can be taken apart query by query
 * ({@code sort -n} on the first column). With {@code run --verbose}, each statement a lake step
 * runs also goes, whole, into that step's log ({@link #intoLog}). Otherwise connections are
 * returned as they are.
 */
public final class SqlTrace {
    private static volatile boolean verbose;
    private static final ThreadLocal<java.io.PrintWriter> STEP_LOG = new ThreadLocal<>();

    /** While on, statements of the steps that called {@link #intoLog} go to their logs (run --verbose). */
    public static void verbose(boolean on) {
        verbose = on;
    }

    /** Whether run --verbose asked for the SQL and the file lists in the step logs. */
    public static boolean verboseOn() {
        return verbose;
    }

    /** The statements this thread runs go to {@code log} until the handle is closed, when --verbose is on. */
    public static AutoCloseable intoLog(java.io.PrintWriter log) {
        if (!verbose) {
            return () -> { };
        }
        STEP_LOG.set(log);
        return STEP_LOG::remove;
    }

    private static final String VARIABLE = "DUCKDAG_TRACE_SQL";
    private static final Set<String> EXECUTING = Set.of("execute", "executeQuery", "executeUpdate", "executeLargeUpdate");

    private SqlTrace() {
    }

    static Connection wrap(Connection connection) {
        String file = System.getenv(VARIABLE);
        if ((file == null || file.isBlank()) && !verbose) {
            return connection;
        }
        Path out = file == null || file.isBlank() ? null : Path.of(file);
        InvocationHandler onConnection = (proxy, method, args) -> {
            Object result = invoke(connection, method, args);
            return result instanceof Statement s && method.getName().equals("createStatement") ? statement(s, out) : result;
        };
        return (Connection) Proxy.newProxyInstance(SqlTrace.class.getClassLoader(), new Class<?>[] {Connection.class}, onConnection);
    }

    private static Statement statement(Statement statement, Path out) {
        InvocationHandler onStatement = (proxy, method, args) -> {
            if (!EXECUTING.contains(method.getName()) || args == null || !(args[0] instanceof String sql)) {
                return invoke(statement, method, args);
            }
            long start = System.nanoTime();
            java.io.PrintWriter log = STEP_LOG.get();
            if (log != null) {
                log.println("sql> " + sql);
                log.flush();
            }
            try {
                return invoke(statement, method, args);
            } finally {
                if (log != null) {
                    log.println(String.format(java.util.Locale.ROOT, "sql: %.1f ms", (System.nanoTime() - start) / 1e6));
                    log.flush();
                }
                if (out != null) {
                    append(out, String.format(java.util.Locale.ROOT, "%9.1f ms  %-12s %s%n", (System.nanoTime() - start) / 1e6, Thread.currentThread().getName(),
                            sql.replaceAll("\\s+", " ").substring(0, Math.min(sql.length(), 240))));
                }
            }
        };
        return (Statement) Proxy.newProxyInstance(SqlTrace.class.getClassLoader(), new Class<?>[] {Statement.class}, onStatement);
    }

    private static synchronized void append(Path out, String line) {
        try {
            Files.writeString(out, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + VARIABLE + "=" + out, e);
        }
    }

    private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
