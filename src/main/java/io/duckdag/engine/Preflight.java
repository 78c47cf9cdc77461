package io.duckdag.engine;

import io.duckdag.DuckdagException;
import io.duckdag.kind.StepKind;
import io.duckdag.kind.StepKinds;
import io.duckdag.pipeline.Pipeline;
import io.duckdag.pipeline.TableSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Before a run does any work: every folder it will write (state, and for the lake steps the
 * lake, staging, backups and quarantine) must be a folder it can write, or one it can create.
 * Each is tried for real (a file is created and removed, or the nearest existing parent is), so
 * the error is the operating system's own ("Read-only file system", "Permission denied"), named
 * with the setting and the folder, before compaction has spent an hour on a swap that cannot
 * happen.
 */
final class Preflight {
    private Preflight() {
    }

    static void check(Pipeline pipeline, StepKinds kinds) {
        Map<String, Path> folders = new LinkedHashMap<>();
        folders.put("settings.state_dir", pipeline.settings().stateDir());
        boolean lakeSteps = pipeline.steps().stream().map(s -> kinds.named(s.type().yamlName()).orElseThrow())
                .anyMatch(k -> k.role() == StepKind.Role.CHANGES_LAKE);
        if (lakeSteps) {
            folders.put("settings.lake", pipeline.settings().lake());
            folders.put("settings.staging", pipeline.settings().staging());
            folders.put("settings.backups", pipeline.settings().backups());
            if (pipeline.tables().stream().anyMatch(t -> t.onUnreadable() == TableSpec.OnUnreadable.QUARANTINE)) {
                folders.put("settings.quarantine", pipeline.settings().quarantine());
            }
        }
        folders.forEach(Preflight::writable);
    }

    private static void writable(String setting, Path folder) {
        Path absolute = folder.toAbsolutePath().normalize();
        Path existing = absolute;
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS) && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return; // nothing of the path exists, not even the root: the OS will say so when it is created
        }
        if (!Files.isDirectory(existing)) {
            throw DuckdagException.usage(setting + ": " + (existing.equals(absolute) ? folder + " is a file, not a folder"
                    : folder + " cannot be created: " + existing + " is a file, not a folder")
                    + "; move that file away or point " + setting + " elsewhere; nothing was run");
        }
        try {
            Path probe = Files.createTempFile(existing, ".duckdag-write-check-", ".tmp");
            Files.delete(probe);
        } catch (IOException e) {
            String reason = io.duckdag.state.DurableFiles.reason(e);
            throw DuckdagException.usage(setting + ": duckdag cannot write in " + existing
                    + (existing.equals(absolute) ? "" : " (to create " + folder + ")") + ": " + reason
                    + "; fix its permissions or mount, or point " + setting + " elsewhere; nothing was run");
        }
    }
}
