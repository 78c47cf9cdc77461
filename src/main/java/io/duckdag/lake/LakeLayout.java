package io.duckdag.lake;

import io.duckdag.pipeline.Identifiers;
import io.duckdag.pipeline.Pipeline;
import io.duckdag.pipeline.Settings;
import java.nio.file.Path;

/**
 * Where each table lives: live under {@code <lake>/<table>}, staged under
 * {@code <staging>/<pipeline>/<run>/<table>}, backed up under {@code <backups>/<pipeline>/<run>/<table>}.
 * Backups and staging are outside the lake, so no reader or view ever sees them as tables, and
 * each pipeline has its own, so that one pipeline's gc or retention never touches another's.
 */
public record LakeLayout(Path lake, Path staging, Path backups, Path quarantine, Path metadataDb) {

    public static LakeLayout of(Pipeline pipeline) {
        Settings s = pipeline.settings();
        return new LakeLayout(s.lake(), s.staging().resolve(checked(pipeline.name())), s.backups().resolve(checked(pipeline.name())),
                s.quarantine().resolve(checked(pipeline.name())), s.metadataDb());
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

    /** Where compaction's unreadable files of {@code table} go when its run swaps them out: {@code <quarantine>/<pipeline>/<run>/<table>}. */
    public Path quarantineTable(String runId, String table) {
        return quarantine.resolve(checked(runId)).resolve(checked(table));
    }

    /** A second guard behind the loader's: a name that reaches a path is always plain. */
    private static String checked(String name) {
        if (!Identifiers.isPlain(name)) {
            throw new IllegalArgumentException("not a plain name: " + name);
        }
        return name;
    }
}
