package io.duckdag.pipeline;

import io.duckdag.steps.StandardKinds;
import java.nio.file.Path;
import java.util.Map;

/** Loads pipelines the way the CLI does, with a fixed run id and date and a small environment. */
public final class TestLoading {
    public static final String RUN_ID = "20240630-010203-004";
    public static final String RUN_DATE = "2024-06-30";
    public static final Map<String, String> ENV = Map.of("HOME", "/home/analyst", "LAKE_ROOT", "/srv/lake");

    private TestLoading() {
    }

    public static Pipeline load(Path file) {
        return load(file, Map.of());
    }

    public static Pipeline load(Path file, Map<String, String> params) {
        return new PipelineLoader(ENV, StandardKinds.all()).load(file, params, RUN_ID, RUN_DATE);
    }
}
