package io.duckdag.pipeline;

import java.nio.file.Path;

/** How duckdag's DuckDB connections are configured: the memory limit, threads and spill folder. */
public record DuckDbSettings(String memoryLimit, int threads, Path tempDirectory) {
    public static final DuckDbSettings DEFAULT = new DuckDbSettings("1GB", 2, Path.of("data/tmp"));
}
