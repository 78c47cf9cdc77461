package io.duckdag.lake;

/** A file compaction wrote to staging: its name, size and row count. */
public record StagedFile(String name, long size, long rows) {
}
