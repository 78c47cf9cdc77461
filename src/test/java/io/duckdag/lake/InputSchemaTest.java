package io.duckdag.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * How the schemas of a partition's files combine into one table, from the schemas alone (what
 * {@link FileSchemas} reads from the footers): groups of files read alike, one type per column,
 * the drift reported, and the conflicts refused with what to declare.
 */
class InputSchemaTest {
    static final String WHERE = "partition year=2024 of t";
    static final Path A = Path.of("/lake/t/year=2024/a.parquet");
    static final Path B = Path.of("/lake/t/year=2024/b.parquet");
    static final Path C = Path.of("/lake/t/year=2024/c.parquet");

    static Column col(String name, String type) {
        return new Column(name, type);
    }

    @SafeVarargs
    static Map<Path, List<Column>> files(Map.Entry<Path, List<Column>>... entries) {
        Map<Path, List<Column>> files = new LinkedHashMap<>();
        for (Map.Entry<Path, List<Column>> e : entries) {
            files.put(e.getKey(), e.getValue());
        }
        return files;
    }

    static InputSchema resolve(Map<Path, List<Column>> files, Map<String, String> declared) {
        return InputSchema.resolve(WHERE, files, declared, List.of("year"));
    }

    @Test
    void files_with_the_same_columns_are_one_group_read_as_they_are() {
        InputSchema s = resolve(files(Map.entry(A, List.of(col("code", "VARCHAR"), col("n", "BIGINT"))),
                Map.entry(B, List.of(col("code", "VARCHAR"), col("n", "BIGINT")))), Map.of());

        assertThat(s.columns()).containsExactly(col("code", "VARCHAR"), col("n", "BIGINT"));
        assertThat(s.groups()).singleElement().satisfies(g -> assertThat(g.files()).containsExactly(A, B));
        assertThat(s.drift()).isEmpty();
        assertThat(s.plain()).isTrue();
    }

    @Test
    void a_column_some_files_lack_is_null_there_and_said_so() {
        InputSchema s = resolve(files(Map.entry(A, List.of(col("code", "VARCHAR"))),
                Map.entry(B, List.of(col("code", "VARCHAR"), col("note", "VARCHAR"))),
                Map.entry(C, List.of(col("code", "VARCHAR")))), Map.of());

        assertThat(s.names()).containsExactly("code", "note");
        assertThat(s.groups()).extracting(InputSchema.Group::files).containsExactly(List.of(A, C), List.of(B));
        assertThat(s.drift()).containsExactly("column note is missing from 2 of 3 files (read as NULL there)");
        assertThat(s.plain()).isFalse();
    }

    @Test
    void types_that_widen_exactly_are_widened_and_said_so() {
        InputSchema s = resolve(files(Map.entry(A, List.of(col("n", "INTEGER"))), Map.entry(B, List.of(col("n", "BIGINT")))), Map.of());

        assertThat(s.columns()).containsExactly(col("n", "BIGINT"));
        assertThat(s.drift()).containsExactly("column n has types INTEGER, BIGINT (widened exactly to BIGINT)");
        assertThat(s.groups()).hasSize(2);
    }

    @Test
    void types_that_do_not_widen_exactly_are_refused_naming_a_file_of_each_and_the_type_to_declare() {
        Map<Path, List<Column>> files = files(Map.entry(A, List.of(col("n", "BIGINT"))), Map.entry(B, List.of(col("n", "VARCHAR"))),
                Map.entry(C, List.of(col("n", "BIGINT"))));

        assertThatThrownBy(() -> resolve(files, Map.of())).isInstanceOf(LakeException.class)
                .hasMessage(WHERE + ": column n has types that do not all convert exactly into one type: BIGINT (in 2 files, e.g. a.parquet), "
                        + "VARCHAR (in b.parquet); nothing was written. Declare the type its values should have under the table, "
                        + "e.g. columns: { n: BIGINT }; every value is then cast to it, and a value that does not convert exactly "
                        + "fails naming its file");
    }

    @Test
    void on_a_tie_the_suggested_type_is_not_text_and_a_type_with_a_comma_is_quoted_for_yaml() {
        Map<Path, List<Column>> files = files(Map.entry(A, List.of(col("x", "VARCHAR"))), Map.entry(B, List.of(col("x", "DECIMAL(18,2)"))));

        assertThatThrownBy(() -> resolve(files, Map.of())).isInstanceOf(LakeException.class)
                .hasMessageContaining("e.g. columns: { x: \"DECIMAL(18,2)\" }");
    }

    @Test
    void a_declared_type_wins_and_files_of_other_types_are_said_to_be_cast() {
        InputSchema s = resolve(files(Map.entry(A, List.of(col("n", "INTEGER"))), Map.entry(B, List.of(col("n", "VARCHAR")))),
                Map.of("N", "DECIMAL(18,2)"));

        assertThat(s.columns()).containsExactly(col("n", "DECIMAL(18,2)"));
        assertThat(s.drift()).containsExactly("column n has types INTEGER, VARCHAR (cast to the declared DECIMAL(18,2); every value converted exactly)");
    }

    @Test
    void names_match_without_regard_to_a_to_z_case_spelt_as_first_seen() {
        InputSchema s = resolve(files(Map.entry(A, List.of(col("Code", "VARCHAR"))), Map.entry(B, List.of(col("code", "VARCHAR")))), Map.of());

        assertThat(s.columns()).containsExactly(col("Code", "VARCHAR"));
        assertThat(s.groups()).singleElement().satisfies(g -> {
            assertThat(g.files()).containsExactly(A, B);
            assertThat(g.types()).containsEntry("CODE", "VARCHAR");
        });
        assertThat(InputSchema.fold("ÄbC")).isEqualTo("Äbc");
        assertThat(InputSchema.contains(List.of("Year"), "yEAR")).isTrue();
    }

    @Test
    void a_partition_column_inside_some_files_is_no_column_of_the_table_but_splits_the_groups() {
        InputSchema s = resolve(files(Map.entry(A, List.of(col("code", "VARCHAR"), col("year", "INTEGER"))),
                Map.entry(B, List.of(col("code", "VARCHAR")))), Map.of());

        assertThat(s.columns()).containsExactly(col("code", "VARCHAR"));
        assertThat(s.drift()).isEmpty();
        assertThat(s.groups()).hasSize(2);
        assertThat(s.groups().get(0).partitionTypes()).containsExactly(Map.entry("year", "INTEGER"));
        assertThat(s.groups().get(0).types()).containsOnlyKeys("code");
        assertThat(s.groups().get(1).partitionTypes()).isEmpty();
    }

    @Test
    void two_columns_of_one_file_that_differ_only_in_case_are_refused() {
        Map<Path, List<Column>> files = files(Map.entry(A, List.of(col("colx", "INTEGER"), col("COLX", "INTEGER"))));

        assertThatThrownBy(() -> resolve(files, Map.of())).isInstanceOf(LakeException.class)
                .hasMessage(WHERE + ": file a.parquet has two columns, colx and COLX, whose names differ only in case; DuckDB matches "
                        + "names without regard to case and renames one (COLX_1), so the table would change. Rename one of them in "
                        + "the file; nothing was written");
    }
}
