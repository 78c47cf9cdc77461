package io.duckdag.lake;

/** A column of a table as DuckDB reads it: name and type. */
public record Column(String name, String type) {
    @Override
    public String toString() {
        return name + " " + type;
    }
}
