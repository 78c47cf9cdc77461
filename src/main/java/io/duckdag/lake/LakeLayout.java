package io.duckdag.lake;

import io.duckdag.pipeline.Identifiers;
import io.duckdag.pipeline.Settings;
import java.nio.file.Path;

/**
 * Where each table lives: live under {@code <lake>/<table>}, staged under
 * {@code <staging>/<run>/<table>}, backed up under {@code <backups>/<run>/<table>}.
 * Backups and staging are outside the lake, so no reader or view ever sees them as tables.
 */
public record LakeLayout(Path lake, Path staging, Path backups, Path metadataDb) {

    public static LakeLayout of(Settings settings) {
        return new LakeLayout(settings.lake(), settings.staging(), settings.backups(), settings.metadataDb());
    }

    public Path liveTable(String table) {
        return lake.resolve(checked(table));
    }

    public Path stagingRun(String runId) {
        return staging.resolve(checked(runId));
    }

    public Path stagedTable(String runId, String table) {
        return stagingRun(runId).resolve(checked(table));
    }

    public Path backupRun(String runId) {
        return backups.resolve(checked(runId));
    }

    public Path backupTable(String runId, String table) {
        return backupRun(runId).resolve(checked(table));
    }

    /** A second guard behind the loader's: a name that reaches a path is always plain. */
    private static String checked(String name) {
        if (!Identifiers.isPlain(name)) {
            throw new IllegalArgumentException("not a plain name: " + name);
        }
        return name;
    }
}
