package io.duckdag.lake;

import java.nio.file.Path;

/** Quoting for the SQL duckdag writes. Every identifier and literal goes through here. */
public final class Sql {
    private Sql() {
    }

    /** {@code "name"} with {@code "} doubled. */
    public static String identifier(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /** {@code 'text'} with {@code '} doubled. */
    public static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    public static String literal(Path path) {
        return literal(path.toString());
    }
}
