package io.duckdag.state;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where one kind of state record lives and how it is read and written: {@code <dir>/<folder>/<name>.json},
 * in {@link StateJson}'s format, written through {@link DurableFiles#writeAtomically} (temporary file
 * forced, renamed over the target, folder forced), so a reader sees the old record or the new one.
 * The step records (compaction, verification, swap, table manifest) each hold one of these.
 */
public final class RecordFile<T> {
    private final String folder;
    private final Class<T> type;

    private RecordFile(String folder, Class<T> type) {
        this.folder = Objects.requireNonNull(folder, "folder");
        this.type = Objects.requireNonNull(type, "type");
        if (folder.isEmpty() || folder.contains("/") || folder.contains("\\")) {
            throw new IllegalArgumentException("a record folder is one plain name, not '" + folder + "'");
        }
    }

    /** Records of {@code type} kept as {@code <dir>/<folder>/<name>.json}. */
    public static <T> RecordFile<T> in(String folder, Class<T> type) {
        return new RecordFile<>(folder, type);
    }

    public Path file(Path dir, String name) {
        return dir.resolve(folder).resolve(name + ".json");
    }

    /** The record, or empty if there is none; a file that is not a readable record is an {@link java.io.UncheckedIOException}. */
    public Optional<T> load(Path dir, String name) {
        return StateJson.read(file(dir, name), type);
    }

    public void save(Path dir, String name, T record) {
        StateJson.write(file(dir, name), record);
    }

    /** The exact text {@link #save} writes, for writes that go through the {@link Journal}. */
    public String json(T record) {
        return StateJson.text(record);
    }
}
