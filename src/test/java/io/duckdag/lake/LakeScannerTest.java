package io.duckdag.lake;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckdag.pipeline.TableSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Partition discovery by the folder names alone: no Parquet is read, so the files here are a few
 * bytes of anything; what counts is their names, sizes and times.
 */
class LakeScannerTest {
    @TempDir
    Path dir;

    static TableSpec table(String... partitionBy) {
        return new TableSpec("t", List.of(partitionBy), List.of(), List.of(), Map.of(), TableSpec.OnUnreadable.FAIL, null);
    }

    @Test
    void hive_folders_are_partitions_in_order_each_with_its_parquet_files_by_name_size_and_time() throws Exception {
        file("year=2024/b.parquet", "bbbb", 200);
        file("year=2024/a.parquet", "a", 100);
        file("year=2023/c.parquet", "cc", 300);

        Map<Partition, List<LakeFile>> scan = LakeScanner.scan(dir, table("year"));

        assertThat(scan.keySet()).extracting(Partition::path).containsExactly("year=2023", "year=2024");
        assertThat(scan.keySet()).extracting(Partition::values).containsExactly(Map.of("year", "2023"), Map.of("year", "2024"));
        assertThat(scan.get(Partition.of(Map.of("year", "2024")))).containsExactly(
                new LakeFile("a.parquet", 1, TimeUnit.SECONDS.toNanos(100)),
                new LakeFile("b.parquet", 4, TimeUnit.SECONDS.toNanos(200)));
    }

    @Test
    void hidden_temporary_and_other_files_are_not_read() throws Exception {
        file("year=2024/a.parquet", "a", 100);
        file("year=2024/.a.parquet.tmp", "half", 100);
        file("year=2024/.hidden.parquet", "x", 100);
        file("year=2024/_tmp.parquet", "x", 100);
        file("year=2024/_SUCCESS", "", 100);
        file("year=2024/notes.txt", "x", 100);
        file("year=2024/b.parquet.crc", "x", 100);
        file("year=2024/c.PARQUET", "x", 100);
        Files.createDirectories(dir.resolve("year=2024/folder.parquet"));

        assertThat(LakeScanner.files(dir.resolve("year=2024"))).extracting(LakeFile::name).containsExactly("a.parquet");
    }

    @Test
    void symbolic_links_are_not_followed() throws Exception {
        Path real = file("elsewhere/x.parquet", "x", 100);
        Files.createDirectories(dir.resolve("t/year=2024"));
        Files.createSymbolicLink(dir.resolve("t/year=2024/link.parquet"), real);
        Files.createSymbolicLink(dir.resolve("t/year=2025"), real.getParent());

        assertThat(LakeScanner.files(dir.resolve("t/year=2024"))).isEmpty();
        assertThat(LakeScanner.scan(dir.resolve("t"), table("year"))).isEmpty();
    }

    @Test
    void links_and_special_files_are_named_and_a_linked_table_folder_is_no_table() throws Exception {
        Path real = file("elsewhere/year=2024/x.parquet", "x", 100);
        Files.createDirectories(dir.resolve("t/year=2024"));
        Files.createSymbolicLink(dir.resolve("t/year=2024/link.parquet"), real);
        Files.createSymbolicLink(dir.resolve("t/year=2025"), real.getParent());
        Files.createSymbolicLink(dir.resolve("t/.hidden"), real);
        assertThat(new ProcessBuilder("mkfifo", dir.resolve("t/year=2024/fifo.parquet").toString()).start().waitFor()).isZero();
        Files.createSymbolicLink(dir.resolve("u"), dir.resolve("elsewhere"));

        assertThat(LakeScanner.notFollowed(dir.resolve("t"))).containsExactly("year=2024/fifo.parquet", "year=2024/link.parquet", "year=2025");
        assertThat(LakeScanner.files(dir.resolve("t/year=2024"))).isEmpty();
        assertThat(LakeScanner.notFollowed(dir.resolve("u"))).containsExactly(".");
        assertThat(LakeScanner.scan(dir.resolve("u"), table("year"))).isEmpty();
        assertThat(LakeScanner.notFollowed(dir.resolve("elsewhere"))).isEmpty();
    }

    @Test
    void empty_folders_and_folders_that_are_not_the_partition_column_are_no_partitions() throws Exception {
        file("year=2024/a.parquet", "a", 100);
        Files.createDirectories(dir.resolve("year=2025"));
        file("year=2026/only.txt", "x", 100);
        file("year=/empty-value.parquet", "x", 100);
        file("Year=2027/other-case.parquet", "x", 100);
        file("month=01/other-column.parquet", "x", 100);
        file("root.parquet", "x", 100);

        assertThat(LakeScanner.scan(dir, table("year")).keySet()).extracting(Partition::path).containsExactly("year=2024");
        assertThat(LakeScanner.outsidePartitions(dir, table("year"), Set.of(dir.resolve("year=2024"))))
                .containsExactly("Year=2027/other-case.parquet", "month=01/other-column.parquet", "root.parquet",
                        "year=/empty-value.parquet");
    }

    @Test
    void nested_partitions_take_one_level_per_column_in_the_declared_order() throws Exception {
        file("year=2024/month=01/a.parquet", "a", 100);
        file("year=2024/month=02/b.parquet", "b", 100);
        file("year=2024/c.parquet", "c", 100);
        file("year=2023/month=12/day=31/d.parquet", "d", 100);
        Files.createDirectories(dir.resolve("year=2023/month=11"));

        Map<Partition, List<LakeFile>> scan = LakeScanner.scan(dir, table("year", "month"));

        assertThat(scan.keySet()).extracting(Partition::path).containsExactly("year=2024/month=01", "year=2024/month=02");
        Partition first = scan.keySet().iterator().next();
        assertThat(first.values()).containsExactly(Map.entry("year", "2024"), Map.entry("month", "01"));
        assertThat(first.dirIn(dir)).isEqualTo(dir.resolve("year=2024/month=01"));
        assertThat(first.label()).isEqualTo("year=2024/month=01");
        assertThat(LakeScanner.fileDepths(dir)).containsExactly(1, 2, 3);
    }

    @Test
    void an_unpartitioned_table_is_one_partition_at_its_root() throws Exception {
        file("a.parquet", "a", 100);
        file("year=2024/b.parquet", "b", 100);

        Map<Partition, List<LakeFile>> scan = LakeScanner.scan(dir, table());

        assertThat(scan).hasSize(1);
        Partition whole = scan.keySet().iterator().next();
        assertThat(whole.path()).isEmpty();
        assertThat(whole.label()).isEqualTo("(whole table)");
        assertThat(whole.dirIn(dir)).isEqualTo(dir);
        assertThat(scan.get(whole)).extracting(LakeFile::name).containsExactly("a.parquet");
        assertThat(LakeScanner.outsidePartitions(dir, table(), Set.of())).isEmpty();
    }

    @Test
    void a_missing_table_folder_has_no_partitions_and_no_files() {
        assertThat(LakeScanner.scan(dir.resolve("nothing"), table("year"))).isEmpty();
        assertThat(LakeScanner.files(dir.resolve("nothing"))).isEmpty();
        assertThat(LakeScanner.outsidePartitions(dir.resolve("nothing"), table("year"), Set.of())).isEmpty();
    }

    @Test
    void fileDepths_skips_hidden_and_underscore_folders() throws Exception {
        file("_temporary/0/x.parquet", "x", 100);
        file(".staging/x.parquet", "x", 100);
        file("year=2024/a.parquet", "a", 100);

        assertThat(LakeScanner.fileDepths(dir)).containsExactly(1);
    }

    @Test
    void folder_values_are_decoded_as_hive_writes_them() {
        assertThat(Partition.decode("2024")).isEqualTo("2024");
        assertThat(Partition.decode("10%3A30")).isEqualTo("10:30");
        assertThat(Partition.decode("caf%C3%A9")).isEqualTo("café");
        assertThat(Partition.decode("100%")).isEqualTo("100%");
        assertThat(Partition.decode("%zz")).isEqualTo("%zz");
        assertThat(Partition.decode("__HIVE_DEFAULT_PARTITION__")).isNull();
    }

    @Test
    void glob_characters_in_a_path_are_recognised() {
        assertThat(LakeScanner.hasGlobCharacters(Path.of("/lake/t/year=2024/a.parquet"))).isFalse();
        assertThat(LakeScanner.hasGlobCharacters(Path.of("/lake/t [old]/a.parquet"))).isTrue();
        assertThat(LakeScanner.hasGlobCharacters(Path.of("/lake/t/a*.parquet"))).isTrue();
        assertThat(LakeScanner.hasGlobCharacters(Path.of("/lake/t/{a}.parquet"))).isTrue();
        assertThat(LakeScanner.hasGlobCharacters(Path.of("/lake/t/a?.parquet"))).isTrue();
    }

    Path file(String relative, String content, long mtimeSeconds) throws Exception {
        Path p = dir.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
        Files.setLastModifiedTime(p, FileTime.from(Instant.ofEpochSecond(mtimeSeconds)));
        return p;
    }
}
