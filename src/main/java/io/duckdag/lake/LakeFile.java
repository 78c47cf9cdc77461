package io.duckdag.lake;

/** A Parquet file of a partition, as listed: its name, size and modification time (nanoseconds). */
public record LakeFile(String name, long size, long mtimeNanos) {
}
