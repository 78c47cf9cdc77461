package io.duckdag.lake;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckdag.pipeline.TableSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * When a changed partition gets one more sorted file beside its compacted ones instead of a full
 * rewrite: first from the listing and the manifest ({@link Tiering#candidate}), then confirmed from
 * the files' footers ({@link Tiering#keep}).
 */
class TieringTest extends DuckDbTest {
    static final Partition P = Partition.of(Map.of("year", "2024"));
    static final TableSpec UNKEYED = table(List.of(), Map.of());

    static TableSpec table(List<String> key, Map<String, String> columns) {
        return new TableSpec("t", List.of("year"), List.of("code"), key, columns, TableSpec.OnUnreadable.FAIL, null);
    }

    static LakeFile f(String name, long size) {
        return new LakeFile(name, size, 1);
    }

    static TableManifest manifest(List<LakeFile> compacted) {
        return new TableManifest("t", Map.of("year=2024", compacted));
    }

    static List<LakeFile> listing(List<LakeFile> compacted, LakeFile... fresh) {
        List<LakeFile> all = new ArrayList<>(compacted);
        all.addAll(List.of(fresh));
        return all;
    }

    // ---- from the listing ----

    @Test
    void new_files_of_at_most_a_quarter_of_the_compacted_bytes_go_beside_them() {
        List<LakeFile> compacted = List.of(f("part-0.parquet", 300), f("part-1.parquet", 100));

        assertThat(Tiering.candidate(UNKEYED, manifest(compacted), P, listing(compacted, f("new.parquet", 100)))).isEqualTo(compacted);
        assertThat(Tiering.candidate(UNKEYED, manifest(compacted), P, listing(compacted, f("new.parquet", 101)))).isEmpty();
        assertThat(Tiering.candidate(UNKEYED, manifest(compacted), P,
                listing(compacted, f("a.parquet", 50), f("b.parquet", 51)))).isEmpty();
    }

    @Test
    void a_table_with_a_key_is_always_rewritten_whole() {
        List<LakeFile> compacted = List.of(f("part-0.parquet", 1000));

        assertThat(Tiering.candidate(table(List.of("code"), Map.of()), manifest(compacted), P, listing(compacted, f("new.parquet", 1)))).isEmpty();
    }

    @Test
    void a_partition_never_compacted_or_missing_a_compacted_file_or_with_nothing_new_is_not_tiered() {
        List<LakeFile> compacted = List.of(f("part-0.parquet", 1000), f("part-1.parquet", 1000));

        assertThat(Tiering.candidate(UNKEYED, new TableManifest("t", Map.of()), P, List.of(f("new.parquet", 1)))).isEmpty();
        assertThat(Tiering.candidate(UNKEYED, manifest(List.of()), P, List.of(f("new.parquet", 1)))).isEmpty();
        assertThat(Tiering.candidate(UNKEYED, manifest(compacted), P, List.of(compacted.get(0), f("new.parquet", 1)))).isEmpty();
        assertThat(Tiering.candidate(UNKEYED, manifest(compacted), P, compacted)).isEmpty();
        // A compacted file rewritten since (same name, other size) is no longer the file duckdag put there.
        assertThat(Tiering.candidate(UNKEYED, manifest(compacted), P,
                List.of(compacted.get(0), f("part-1.parquet", 999), f("new.parquet", 1)))).isEmpty();
    }

    @Test
    void at_most_eight_compacted_files_after_the_new_tier() {
        List<LakeFile> seven = IntStream.range(0, Tiering.MAX_TIERS - 1).mapToObj(i -> f("part-" + i + ".parquet", 1000)).toList();
        List<LakeFile> eight = IntStream.range(0, Tiering.MAX_TIERS).mapToObj(i -> f("part-" + i + ".parquet", 1000)).toList();

        assertThat(Tiering.MAX_TIERS).isEqualTo(8);
        assertThat(Tiering.candidate(UNKEYED, manifest(seven), P, listing(seven, f("new.parquet", 1)))).isEqualTo(seven);
        assertThat(Tiering.candidate(UNKEYED, manifest(eight), P, listing(eight, f("new.parquet", 1)))).isEmpty();
    }

    // ---- confirmed from the footers ----

    @Test
    void new_files_with_the_compacted_columns_and_types_are_kept_beside_them() throws Exception {
        List<LakeFile> compacted = List.of(write("part-0.parquet", "SELECT 'A' || i AS code, i::BIGINT AS n FROM range(2000) r(i)"));
        LakeFile fresh = write("new.parquet", "SELECT 'Z' AS code, 1::BIGINT AS n");
        // A partition column inside a file is the folder's; it does not make the file's columns differ.
        LakeFile withYear = write("new2.parquet", "SELECT 'Y' AS code, 2::BIGINT AS n, 2024 AS year");

        assertThat(keep(UNKEYED, compacted, fresh, withYear)).isEqualTo(compacted);
    }

    @Test
    void new_files_with_another_column_or_type_rewrite_the_partition_whole() throws Exception {
        List<LakeFile> compacted = List.of(write("part-0.parquet", "SELECT 'A' || i AS code, i::BIGINT AS n FROM range(2000) r(i)"));

        assertThat(keep(UNKEYED, compacted, write("extra.parquet", "SELECT 'Z' AS code, 1::BIGINT AS n, 'x' AS note"))).isEmpty();
        Files.delete(dir.resolve("year=2024/extra.parquet"));
        assertThat(keep(UNKEYED, compacted, write("narrow.parquet", "SELECT 'Z' AS code, 1::INTEGER AS n"))).isEmpty();
    }

    @Test
    void a_declared_type_the_compacted_files_do_not_have_rewrites_the_partition_whole() throws Exception {
        List<LakeFile> compacted = List.of(write("part-0.parquet", "SELECT 'A' || i AS code, i::BIGINT AS n FROM range(2000) r(i)"));
        LakeFile fresh = write("new.parquet", "SELECT 'Z' AS code, 1::BIGINT AS n");

        assertThat(keep(table(List.of(), Map.of("N", "BIGINT")), compacted, fresh)).isEqualTo(compacted);
        assertThat(keep(table(List.of(), Map.of("n", "HUGEINT")), compacted, fresh)).isEmpty();
    }

    @Test
    void an_unreadable_new_file_rewrites_the_partition_whole_where_it_is_named() throws Exception {
        List<LakeFile> compacted = List.of(write("part-0.parquet", "SELECT 'A' || i AS code, i::BIGINT AS n FROM range(2000) r(i)"));
        Path broken = dir.resolve("year=2024/broken.parquet");
        Files.writeString(broken, "no");

        assertThat(keep(UNKEYED, compacted, LakeScanner.files(broken.getParent()).stream()
                .filter(x -> x.name().equals("broken.parquet")).findFirst().orElseThrow())).isEmpty();
    }

    // ---- helpers ----

    /** Tiering.keep, where the listing alone would tier: an empty answer is then the footers' doing. */
    List<LakeFile> keep(TableSpec table, List<LakeFile> compacted, LakeFile... fresh) throws Exception {
        assertThat(Tiering.candidate(table, manifest(compacted), P, listing(compacted, fresh))).isEqualTo(compacted);
        return Tiering.keep(connection, t -> t.columns(), table, P, dir, manifest(compacted), listing(compacted, fresh));
    }

    LakeFile write(String name, String select) throws Exception {
        Path target = Files.createDirectories(P.dirIn(dir)).resolve(name);
        try (Statement s = connection.createStatement()) {
            s.execute("COPY (" + select + ") TO " + Sql.literal(target) + " (FORMAT PARQUET)");
        }
        return LakeScanner.files(target.getParent()).stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
    }
}
