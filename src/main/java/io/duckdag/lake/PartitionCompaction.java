package io.duckdag.lake;

import java.util.List;
import java.util.Map;

/**
 * What compaction did to one partition: exactly which live files it read (with size and
 * modification time, so that swap can tell whether they changed since), what it wrote, the
 * row counts, the columns of the result, schema drift among the inputs, and the files left out
 * because DuckDB cannot read them ({@code on_unreadable: quarantine}), which swap moves to the quarantine,
 * and, for a tiered compaction, the compacted files it left live beside its output (empty for a
 * full rewrite of the partition); and, when compaction read the inputs into memory once, what verify
 * is to find in the output, computed from that read by verify's own aggregate ({@link Expected}).
 */
public record PartitionCompaction(
        String partition,
        Map<String, String> values,
        List<LakeFile> inputs,
        List<StagedFile> outputs,
        long rowsIn,
        long rowsOut,
        List<Column> columns,
        List<String> drift,
        List<UnreadableFile> quarantined,
        List<LakeFile> kept,
        Expected expected) {

    /**
     * The row count and order-independent checksum the staged output must have, computed from the
     * rows as read, by the aggregate verify would run on the inputs (not by the query that sorts
     * and writes them), while they were in memory for compaction: the inputs are read once.
     * Absent (null) when compaction streamed the inputs; verify then reads them itself.
     */
    public record Expected(long rows, String checksum, Integer checksumVersion) {
        /** Whether verify can compare it with what it computes now (an older duckdag hashed rows another way). */
        public boolean current() {
            return checksumVersion != null && checksumVersion == TableSql.CHECKSUM_VERSION;
        }
    }

    public PartitionCompaction(String partition, Map<String, String> values, List<LakeFile> inputs, List<StagedFile> outputs,
                               long rowsIn, long rowsOut, List<Column> columns, List<String> drift, List<UnreadableFile> quarantined,
                               List<LakeFile> kept) {
        this(partition, values, inputs, outputs, rowsIn, rowsOut, columns, drift, quarantined, kept, null);
    }

    public PartitionCompaction {
        values = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(values)); // in partition_by order
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        columns = List.copyOf(columns);
        drift = List.copyOf(drift);
        quarantined = quarantined == null ? List.of() : List.copyOf(quarantined); // absent in records of earlier versions
        kept = kept == null ? List.of() : List.copyOf(kept);
    }

    /** The same compaction, building on {@code compacted}: files duckdag put live before, left in place. */
    public PartitionCompaction besides(List<LakeFile> compacted) {
        return new PartitionCompaction(partition, values, inputs, outputs, rowsIn, rowsOut, columns, drift, quarantined, compacted, expected);
    }

    /** The same compaction, with the files left out because DuckDB cannot read them. */
    public PartitionCompaction leavingOut(List<UnreadableFile> unreadable) {
        return new PartitionCompaction(partition, values, inputs, outputs, rowsIn, rowsOut, columns, drift, unreadable, kept, expected);
    }

    public Partition asPartition() {
        return new Partition(new java.util.LinkedHashMap<>(values), partition);
    }
}
