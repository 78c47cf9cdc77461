package io.duckdag.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The four step records keep their files where earlier versions kept them, write the text
 * {@code json()} gives (the swap journal writes that text in their place), and load the records
 * earlier versions wrote.
 */
class StepRecordsTest {
    @TempDir
    Path dir;

    @Test
    void each_record_lives_in_its_own_folder_named_after_the_table() {
        assertThat(Compaction.file(dir, "income")).isEqualTo(dir.resolve("compact/income.json"));
        assertThat(Verification.file(dir, "income")).isEqualTo(dir.resolve("verify/income.json"));
        assertThat(SwapRecord.file(dir, "income")).isEqualTo(dir.resolve("swap/income.json"));
        assertThat(TableManifest.file(dir, "income")).isEqualTo(dir.resolve("tables/income.json"));
    }

    @Test
    void each_record_saved_loads_back_equal_and_its_file_holds_its_json() throws Exception {
        LakeFile a = new LakeFile("a.parquet", 10, 20);
        PartitionCompaction pc = new PartitionCompaction("year=2024", Map.of("year", "2024"), List.of(a),
                List.of(new StagedFile("part-0.parquet", 30, 3)), 4, 3, List.of(new Column("code", "VARCHAR")),
                List.of(), List.of(), List.of(), new PartitionCompaction.Expected(3, "123", TableSql.CHECKSUM_VERSION));
        Compaction compaction = new Compaction("r1", "income", true, List.of(pc), List.of("year=2023"), "s");
        Verification verification = new Verification("r1", "income", List.of(new Verification.VerifiedPartition(
                "year=2024", 3, "123", 1, List.of(new StagedFile("part-0.parquet", 30, 3)))));
        SwapRecord swap = new SwapRecord("r1", "income", List.of(new SwapRecord.SwappedPartition("year=2024",
                List.of(a), List.of(new SwapRecord.Backup("b.parquet", "/backups/b.parquet")), List.of())));
        TableManifest manifest = new TableManifest("income", Map.of("year=2024", List.of(a)));

        compaction.save(dir);
        verification.save(dir);
        swap.save(dir);
        manifest.save(dir);

        assertThat(Compaction.load(dir, "income")).contains(compaction);
        assertThat(Verification.load(dir, "income")).contains(verification);
        assertThat(SwapRecord.load(dir, "income")).contains(swap);
        assertThat(TableManifest.load(dir, "income")).isEqualTo(manifest);
        assertThat(Files.readString(SwapRecord.file(dir, "income"))).isEqualTo(swap.json());
        assertThat(Files.readString(TableManifest.file(dir, "income"))).isEqualTo(manifest.json());
    }

    @Test
    void a_table_without_a_manifest_has_an_empty_one_and_a_compaction_must_be_finished() {
        assertThat(TableManifest.load(dir, "t")).isEqualTo(new TableManifest("t", Map.of()));
        assertThat(Compaction.load(dir, "t")).isEmpty();
        assertThatThrownBy(() -> Compaction.finished(dir, "t", "r1", "compact step"))
                .isInstanceOf(LakeException.class)
                .hasMessage("table t has no finished compaction in run r1; run its compact step first");

        new Compaction("r1", "t", false, List.of(), List.of(), null).save(dir);
        assertThatThrownBy(() -> Compaction.finished(dir, "t", "r1", "compact step")).isInstanceOf(LakeException.class);
    }

    @Test
    void records_of_earlier_versions_load_with_their_absent_fields_defaulted() throws Exception {
        // Written before quarantine, tiering and compaction settings existed.
        Files.createDirectories(dir.resolve("swap"));
        Files.writeString(dir.resolve("swap/t.json"), """
                {
                  "run_id" : "r0",
                  "table" : "t",
                  "partitions" : [ {
                    "partition" : "year=2024",
                    "live" : [ { "name" : "p.parquet", "size" : 5, "mtime_nanos" : 7 } ],
                    "backed_up" : [ { "name" : "a.parquet", "path" : "/b/a.parquet" } ]
                  } ]
                }""");
        Files.createDirectories(dir.resolve("compact"));
        Files.writeString(dir.resolve("compact/t.json"), """
                {
                  "run_id" : "r0",
                  "table" : "t",
                  "finished" : true,
                  "partitions" : [ {
                    "partition" : "year=2024",
                    "values" : { "year" : "2024" },
                    "inputs" : [ { "name" : "a.parquet", "size" : 5, "mtime_nanos" : 7 } ],
                    "outputs" : [ ],
                    "rows_in" : 2,
                    "rows_out" : 2,
                    "columns" : [ ],
                    "drift" : [ ]
                  } ],
                  "unchanged" : [ ]
                }""");

        SwapRecord swap = SwapRecord.load(dir, "t").orElseThrow();
        assertThat(swap.partitions()).singleElement().satisfies(p -> {
            assertThat(p.quarantined()).isEmpty();
            assertThat(p.movedOut()).containsExactly(new SwapRecord.Backup("a.parquet", "/b/a.parquet"));
            assertThat(p.live()).containsExactly(new LakeFile("p.parquet", 5, 7));
        });
        Compaction compaction = Compaction.finished(dir, "t", "r0", "compact step");
        assertThat(compaction.settings()).isNull();
        assertThat(compaction.partition("year=2024").orElseThrow()).satisfies(p -> {
            assertThat(p.quarantined()).isEmpty();
            assertThat(p.kept()).isEmpty();
            assertThat(p.expected()).isNull();
            assertThat(p.rowsIn()).isEqualTo(2);
        });
    }
}
