package io.duckdag.pipeline;

/** A place in a pipeline file, printed the way compilers do: {@code file:line:column}. */
public record Location(String file, int line, int column) {
    public Location {
        if (file == null || file.isEmpty()) {
            throw new IllegalArgumentException("file must be named");
        }
    }

    public static Location startOf(String file) {
        return new Location(file, 1, 1);
    }

    @Override
    public String toString() {
        return file + ":" + line + ":" + column;
    }
}
