package io.duckdag.lake;

import io.duckdag.state.RecordFile;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Per table, the files each partition held right after duckdag last put compacted data live
 * there ({@code <state_dir>/<pipeline>/tables/<table>.json}). A partition whose listing still
 * equals it is unchanged and is not rewritten; a partition with new, removed or rewritten
 * files is.
 */
public record TableManifest(String table, Map<String, List<LakeFile>> partitions) {
    private static final RecordFile<TableManifest> FILE = RecordFile.in("tables", TableManifest.class);

    public TableManifest {
        partitions = Collections.unmodifiableMap(new TreeMap<>(partitions));
    }

    public static Path file(Path pipelineStateDir, String table) {
        return FILE.file(pipelineStateDir, table);
    }

    public static TableManifest load(Path pipelineStateDir, String table) {
        return FILE.load(pipelineStateDir, table).orElse(new TableManifest(table, Map.of()));
    }

    public void save(Path pipelineStateDir) {
        FILE.save(pipelineStateDir, table, this);
    }

    public String json() {
        return FILE.json(this);
    }

    public boolean unchanged(String partition, List<LakeFile> listing) {
        List<LakeFile> known = partitions.get(partition);
        return known != null && known.equals(listing);
    }

    public TableManifest with(String partition, List<LakeFile> files) {
        Map<String, List<LakeFile>> next = new TreeMap<>(partitions);
        if (files == null) {
            next.remove(partition);
        } else {
            next.put(partition, List.copyOf(files));
        }
        return new TableManifest(table, next);
    }
}
