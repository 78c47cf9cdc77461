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
 * ({@code sort -n} on the first column). Unset, connections are returned as they are.
 */
final class SqlTrace {
    private static final String VARIABLE = "DUCKDAG_TRACE_SQL";
    private static final Set<String> EXECUTING = Set.of("execute", "executeQuery", "executeUpdate", "executeLargeUpdate");

    private SqlTrace() {
    }

    static Connection wrap(Connection connection) {
        String file = System.getenv(VARIABLE);
        if (file == null || file.isBlank()) {
            return connection;
        }
        Path out = Path.of(file);
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
            try {
                return invoke(statement, method, args);
            } finally {
                String line = String.format("%9.1f ms  %-12s %s%n", (System.nanoTime() - start) / 1e6, Thread.currentThread().getName(),
                        sql.replaceAll("\\s+", " ").substring(0, Math.min(sql.length(), 240)));
                synchronized (SqlTrace.class) {
                    try {
                        Files.writeString(out, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot append to " + VARIABLE + "=" + out, e);
                    }
                }
            }
        };
        return (Statement) Proxy.newProxyInstance(SqlTrace.class.getClassLoader(), new Class<?>[] {Statement.class}, onStatement);
    }

    private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
