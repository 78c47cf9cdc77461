package io.duckdag.pipeline;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The typed, interpolated {@code with:} of one expanded step. One record per step type. */
public sealed interface StepConfig {

    /** {@code source: demo}: deterministic generated files for the named tables. */
    record DemoDownload(List<String> tables, String date, long seed, int rows, int files) implements StepConfig {
        public static final long DEFAULT_SEED = 42;
        public static final int DEFAULT_ROWS = 20_000;
        public static final int DEFAULT_FILES = 24;

        public DemoDownload {
            tables = List.copyOf(tables);
        }
    }

    /** {@code source: http}: one URL to one file, optionally checked against a SHA-256. */
    record HttpDownload(String url, Path to, Optional<String> sha256) implements StepConfig {
    }

    /** A command: a string runs with {@code sh -c}, a list runs as an argv without a shell. */
    record Shell(Optional<String> script, List<String> argv, Map<String, String> env, Optional<Path> workdir)
            implements StepConfig {
        public Shell {
            argv = List.copyOf(argv);
            env = Collections.unmodifiableMap(new LinkedHashMap<>(env));
        }
    }

    /** DuckDB SQL, in memory unless a database file is named. */
    record Sql(String sql, Optional<Path> database) implements StepConfig {
    }

    record Compact(String table, boolean full, String targetFileSize, int rowGroupSize) implements StepConfig {
        public static final String DEFAULT_TARGET_FILE_SIZE = "256MB";
        public static final int DEFAULT_ROW_GROUP_SIZE = 122_880;
    }

    record Verify(String table) implements StepConfig {
    }

    record Swap(String table) implements StepConfig {
    }

    record SyncMetadata(List<String> tables) implements StepConfig {
        public SyncMetadata {
            tables = List.copyOf(tables);
        }
    }
}
