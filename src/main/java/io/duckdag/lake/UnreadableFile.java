package io.duckdag.lake;

/** An input file DuckDB could not read on its own, and the first line of DuckDB's error. */
public record UnreadableFile(LakeFile file, String error) {
}
