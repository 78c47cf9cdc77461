package io.duckdag.lake;

import java.util.List;
import java.util.Map;

/**
 * What compaction did to one partition: exactly which live files it read (with size and
 * modification time, so that swap can tell whether they changed since), what it wrote, the
 * row counts, the columns of the result, schema drift among the inputs, and the files left out
 * because DuckDB cannot read them ({@code on_unreadable: quarantine}), which swap moves to the quarantine.
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
        List<UnreadableFile> quarantined) {

    public PartitionCompaction {
        values = Map.copyOf(values);
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        columns = List.copyOf(columns);
        drift = List.copyOf(drift);
        quarantined = quarantined == null ? List.of() : List.copyOf(quarantined); // absent in records of earlier versions
    }

    public Partition asPartition() {
        return new Partition(new java.util.LinkedHashMap<>(values), partition);
    }
}
