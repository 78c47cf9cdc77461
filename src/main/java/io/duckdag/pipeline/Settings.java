package io.duckdag.pipeline;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the lake and duckdag's own folders are, the DuckDB release whose clients must be able
 * to open the metadata database, and how much runs at once. Paths are kept
 * as written (relative to the current directory) so that plans print them the way the user wrote them.
 */
public record Settings(
        Path lake,
        Path staging,
        Path backups,
        Path quarantine,
        Path metadataDb,
        StorageVersion metadataStorageVersion,
        Path stateDir,
        int maxParallel,
        int keepBackups,
        DuckDbSettings duckdb) {

    public static final Settings DEFAULT = new Settings(
            Path.of("data/parquet"), Path.of("data/staging"), Path.of("data/backups"), Path.of("data/quarantine"),
            Path.of("data/metadata.db"), StorageVersion.V1_0_0, Path.of("state"), 2, 1, DuckDbSettings.DEFAULT);

    public Settings {
        Objects.requireNonNull(lake);
        Objects.requireNonNull(staging);
        Objects.requireNonNull(backups);
        Objects.requireNonNull(quarantine);
        Objects.requireNonNull(metadataDb);
        Objects.requireNonNull(metadataStorageVersion);
        Objects.requireNonNull(stateDir);
        Objects.requireNonNull(duckdb);
        if (maxParallel < 1 || keepBackups < 0) {
            throw new IllegalArgumentException("max_parallel must be >= 1 and keep_backups >= 0");
        }
    }

    public Settings withStateDir(Path dir) {
        return new Settings(lake, staging, backups, quarantine, metadataDb, metadataStorageVersion, dir, maxParallel, keepBackups, duckdb);
    }
}
