package io.duckdag.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckdag.ExitCode;
import io.duckdag.engine.RunOutcome;
import io.duckdag.lake.Column;
import io.duckdag.lake.LakeException;
import io.duckdag.lake.LakeFile;
import io.duckdag.lake.LakeScanner;
import io.duckdag.lake.PartitionCompaction;
import io.duckdag.lake.StagedFile;
import io.duckdag.lake.Verifier;
import io.duckdag.pipeline.TableSpec;
import io.duckdag.state.StepStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files that disagree on a column's type: a type is widened only where every value converts
 * exactly; otherwise compaction fails before writing, naming the column, each type and a file
 * that has it, and a declared type is applied exactly or not at all. Verify catches a changed
 * value or type on its own, whatever compaction did.
 */
class TypeConflictTest {
    static final String BIG_IDS = "SELECT * FROM (VALUES (9007199254740992::BIGINT, 'a'), (9007199254740993::BIGINT, 'b')) v(id, s)";
    static final String DOUBLE_ID = "SELECT 1.5::DOUBLE AS id, 'c' AS s";

    @TempDir
    Path dir;

    LakeFixture lake(String table) throws Exception {
        return new LakeFixture(dir).pipeline("tables:\n  " + table + "\n" + CompactVerifySwapTest.STEPS);
    }

    void assertNothingChanged(LakeFixture f, RunOutcome outcome, List<String> liveBefore) throws Exception {
        assertThat(outcome.exitCode()).isEqualTo(ExitCode.STEP_FAILED);
        assertThat(outcome.record().step("swap[t]").orElseThrow().status()).isEqualTo(StepStatus.UPSTREAM_FAILED);
        assertThat(f.files("lake")).isEqualTo(liveBefore);
        assertThat(f.files("staging").stream().filter(n -> n.endsWith(".parquet"))).isEmpty();
        assertThat(f.files("backups")).isEmpty();
    }

    @Test
    void bigint_ids_with_a_double_id_and_a_key_fail_before_writing_and_no_row_is_lost() throws Exception {
        LakeFixture f = lake("t: { partition_by: [year], sort_by: [id], key: [id] }");
        f.write("t/year=2024/a.parquet", BIG_IDS, 1000);
        f.write("t/year=2024/b.parquet", DOUBLE_ID, 2000);
        List<String> before = f.files("lake");

        RunOutcome outcome = f.run();

        assertNothingChanged(f, outcome, before);
        assertThat(outcome.record().step("compact[t]").orElseThrow().error()).isEqualTo(
                "partition year=2024 of t: column id has types that do not all convert exactly into one type: BIGINT (in a.parquet), "
                        + "DOUBLE (in b.parquet); nothing was written. Declare the type its values should have under the table, e.g. "
                        + "columns: { id: BIGINT }; every value is then cast to it, and a value that does not convert exactly fails naming its file");
        assertThat(f.rows("SELECT id FROM '" + f.lake.resolve("t/year=2024/a.parquet") + "' ORDER BY id"))
                .containsExactly("9007199254740992", "9007199254740993");
    }

    @Test
    void bigint_with_double_without_a_key_fails_too() throws Exception {
        LakeFixture f = lake("t: { partition_by: [year], sort_by: [s] }");
        f.write("t/year=2024/a.parquet", BIG_IDS, 1000);
        f.write("t/year=2024/b.parquet", DOUBLE_ID, 2000);
        List<String> before = f.files("lake");

        RunOutcome outcome = f.run();

        assertNothingChanged(f, outcome, before);
        assertThat(outcome.record().step("compact[t]").orElseThrow().error()).contains("column id has types that do not all convert exactly");
    }

    @Test
    void a_number_column_written_as_text_in_one_file_fails_until_its_type_is_declared_then_every_value_is_exact() throws Exception {
        LakeFixture f = lake("t: { partition_by: [year], sort_by: [ts_code] }");
        f.write("t/year=2024/a.parquet", "SELECT * FROM (VALUES ('000001.SZ', 0.35::DOUBLE), ('000002.SZ', 1.25::DOUBLE)) v(ts_code, basic_eps)", 1000);
        f.write("t/year=2024/b.parquet", "SELECT * FROM (VALUES ('000003.SZ', '0.1'), ('000004.SZ', '1.50'), ('000005.SZ', NULL)) v(ts_code, basic_eps)", 2000);
        List<String> before = f.files("lake");

        RunOutcome refused = f.run();

        assertNothingChanged(f, refused, before);
        assertThat(refused.record().step("compact[t]").orElseThrow().error())
                .contains("column basic_eps has types that do not all convert exactly into one type: DOUBLE (in a.parquet), VARCHAR (in b.parquet)")
                .contains("columns: { basic_eps: DOUBLE }");

        f.pipeline("tables:\n  t: { partition_by: [year], sort_by: [ts_code], columns: { basic_eps: double } }\n" + CompactVerifySwapTest.STEPS);
        RunOutcome declared = f.run();

        assertThat(declared.exitCode()).isEqualTo(ExitCode.OK);
        Path db = dir.resolve("metadata.db");
        assertThat(f.rows(Optional.of(db), "SELECT typeof(basic_eps), ts_code, basic_eps FROM t ORDER BY ts_code")).containsExactly(
                "DOUBLE|000001.SZ|0.35", "DOUBLE|000002.SZ|1.25", "DOUBLE|000003.SZ|0.1", "DOUBLE|000004.SZ|1.5", "DOUBLE|000005.SZ|null");
        assertThat(f.rows(Optional.of(db), "SELECT round(sum(basic_eps), 2) FROM t")).containsExactly("3.2");
        assertThat(Files.readString(f.runDir().resolve("logs/compact[t].log")))
                .contains("schema drift: column basic_eps has types DOUBLE, VARCHAR (cast to the declared DOUBLE; every value converted exactly)");

        // A file that arrives with the old type still reads as the declared type through the view.
        f.write("t/year=2024/late.parquet", "SELECT '000006.SZ' AS ts_code, '2' AS basic_eps", 3000);
        assertThat(f.run(LakeFixture.only("sync")).exitCode()).isEqualTo(ExitCode.OK);
        assertThat(f.rows(Optional.of(db), "SELECT typeof(basic_eps), round(sum(basic_eps), 2) FROM t GROUP BY ALL")).containsExactly("DOUBLE|5.2");
    }

    @Test
    void a_declared_type_that_a_value_does_not_convert_to_exactly_fails_naming_the_file_and_the_value() throws Exception {
        LakeFixture f = lake("t: { partition_by: [year], sort_by: [ts_code], columns: { basic_eps: DOUBLE, id: DOUBLE } }");
        f.write("t/year=2024/a.parquet", "SELECT '000001.SZ' AS ts_code, 0.35::DOUBLE AS basic_eps, 1::BIGINT AS id", 1000);
        f.write("t/year=2024/b.parquet", "SELECT * FROM (VALUES ('000003.SZ', 'n/a', 2::BIGINT), ('000004.SZ', '2', 3::BIGINT)) v(ts_code, basic_eps, id)", 2000);
        f.write("t/year=2024/c.parquet", "SELECT '000005.SZ' AS ts_code, 0.5::DOUBLE AS basic_eps, 9007199254740993::BIGINT AS id", 3000);
        List<String> before = f.files("lake");

        RunOutcome outcome = f.run();

        assertNothingChanged(f, outcome, before);
        assertThat(outcome.record().step("compact[t]").orElseThrow().error()).isEqualTo(
                "partition year=2024 of t: column basic_eps is declared DOUBLE, but 1 value(s) of type VARCHAR do not convert to it exactly, "
                        + "e.g. 'n/a' in b.parquet; nothing was written. Fix those values, or declare a type that holds them (e.g. VARCHAR or a wider DECIMAL)");

        f.pipeline("tables:\n  t: { partition_by: [year], sort_by: [ts_code], columns: { basic_eps: VARCHAR, id: DOUBLE } }\n" + CompactVerifySwapTest.STEPS);
        assertThat(f.run().record().step("compact[t]").orElseThrow().error())
                .contains("column id is declared DOUBLE, but 1 value(s) of type BIGINT do not convert to it exactly, e.g. '9007199254740993' in c.parquet");
    }

    @Test
    void types_that_widen_exactly_are_widened_and_reported() throws Exception {
        LakeFixture f = lake("t: { partition_by: [year], sort_by: [id] }");
        f.write("t/year=2024/a.parquet", "SELECT 1::INTEGER AS id, 1.25::DECIMAL(10,2) AS price, 1.5::FLOAT AS f", 1000);
        f.write("t/year=2024/b.parquet", "SELECT 9007199254740993::BIGINT AS id, 123456.7891::DECIMAL(12,4) AS price, 0.1::DOUBLE AS f", 2000);

        RunOutcome outcome = f.run();

        assertThat(outcome.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(f.rows("SELECT typeof(id), id, typeof(price), price, typeof(f), f FROM " + f.live("t") + " ORDER BY id")).containsExactly(
                "BIGINT|1|DECIMAL(12,4)|1.2500|DOUBLE|1.5", "BIGINT|9007199254740993|DECIMAL(12,4)|123456.7891|DOUBLE|0.1");
        assertThat(Files.readString(f.runDir().resolve("logs/compact[t].log")))
                .contains("schema drift: column id has types INTEGER, BIGINT (widened exactly to BIGINT)")
                .contains("column price has types DECIMAL(10,2), DECIMAL(12,4) (widened exactly to DECIMAL(12,4))");
    }

    @Test
    void declared_casts_keep_text_digits_bytes_as_utf8_decimals_as_written_and_timestamps_in_utc() throws Exception {
        LakeFixture f = lake("t: { partition_by: [year], sort_by: [id], columns: { name: VARCHAR, v: \"DECIMAL(38,30)\", ts: TIMESTAMP } }");
        f.write("t/year=2024/a.parquet", "SELECT 1 AS id, encode('café') AS name, 0.1::DOUBLE AS v, "
                + "TIMESTAMPTZ '2024-01-01 00:00:00+00' AS ts", 1000);
        f.write("t/year=2024/b.parquet", "SELECT 2 AS id, 'plain' AS name, '2.5' AS v, TIMESTAMP '2024-01-02 03:04:05' AS ts", 2000);

        RunOutcome outcome = f.run();

        assertThat(outcome.exitCode()).as(String.valueOf(outcome.record().step("compact[t]").orElseThrow().error())).isEqualTo(ExitCode.OK);
        assertThat(f.rows("SELECT id, name, CAST(v AS VARCHAR), CAST(ts AS VARCHAR) FROM " + f.live("t") + " ORDER BY id")).containsExactly(
                "1|café|0.100000000000000000000000000000|2024-01-01 00:00:00", "2|plain|2.500000000000000000000000000000|2024-01-02 03:04:05");
    }

    @Test
    void declared_casts_that_would_round_or_lose_a_sign_fail() throws Exception {
        LakeFixture f = lake("t: { partition_by: [year], sort_by: [id], columns: { price: \"DECIMAL(18,2)\" } }");
        f.write("t/year=2024/a.parquet", "SELECT 1 AS id, 1.25::DECIMAL(18,2) AS price", 1000);
        f.write("t/year=2024/b.parquet", "SELECT 2 AS id, '1.0000000000000000001' AS price", 2000);
        List<String> before = f.files("lake");

        RunOutcome text = f.run();

        assertNothingChanged(f, text, before);
        assertThat(text.record().step("compact[t]").orElseThrow().error())
                .contains("column price is declared DECIMAL(18,2), but 1 value(s) of type VARCHAR do not convert to it exactly, e.g. '1.0000000000000000001'");

        f.pipeline("tables:\n  t: { partition_by: [year], sort_by: [id], columns: { price: \"DECIMAL(18,2)\" } }\n" + CompactVerifySwapTest.STEPS);
        java.nio.file.Files.delete(f.lake.resolve("t/year=2024/b.parquet"));
        f.write("t/year=2024/c.parquet", "SELECT 3 AS id, -0.0::DOUBLE AS price", 3000);
        assertThat(f.run().record().step("compact[t]").orElseThrow().error())
                .contains("column price is declared DECIMAL(18,2), but 1 value(s) of type DOUBLE do not convert to it exactly, e.g. '-0.0'");
    }

    @Test
    void bigint_with_ubigint_widens_to_a_decimal_that_parquet_keeps() throws Exception {
        LakeFixture f = lake("t: { partition_by: [year], sort_by: [id] }");
        f.write("t/year=2024/a.parquet", "SELECT 9223372036854775807::BIGINT AS id", 1000);
        f.write("t/year=2024/b.parquet", "SELECT 18446744073709551615::UBIGINT AS id", 2000);

        assertThat(f.run().exitCode()).isEqualTo(ExitCode.OK);
        assertThat(f.rows("SELECT typeof(id), CAST(id AS VARCHAR) FROM " + f.live("t") + " ORDER BY id"))
                .containsExactly("DECIMAL(20,0)|9223372036854775807", "DECIMAL(20,0)|18446744073709551615");
    }

    @Test
    void a_file_with_two_columns_whose_names_differ_only_in_case_fails_before_writing() throws Exception {
        LakeFixture f = lake("t: { partition_by: [year], sort_by: [id] }");
        Path file = f.write("t/year=2024/a.parquet", "SELECT 1 AS id, 0 AS colx, 1000 AS XOLX", 1000);
        // DuckDB will not write such a file itself (it renames the second column); other writers do.
        byte[] bytes = Files.readAllBytes(file);
        String text = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1).replace("XOLX", "COLX");
        Files.write(file, text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        List<String> before = f.files("lake");

        RunOutcome outcome = f.run();

        assertNothingChanged(f, outcome, before);
        assertThat(outcome.record().step("compact[t]").orElseThrow().error()).isEqualTo("partition year=2024 of t: file a.parquet has two "
                + "columns, colx and COLX, whose names differ only in case; DuckDB matches names without regard to case and renames one "
                + "(COLX_1), so the table would change. Rename one of them in the file; nothing was written");
    }

    @Test
    void declared_casts_inside_lists_that_cannot_be_checked_exactly_are_refused() throws Exception {
        LakeFixture f = lake("t: { partition_by: [year], sort_by: [id], columns: { c: \"VARCHAR[]\", d: \"BIGINT[]\" } }");
        f.write("t/year=2024/a.parquet", "SELECT 1 AS id, ['x'] AS c, [3]::BIGINT[] AS d", 1000);
        f.write("t/year=2024/b.parquet", "SELECT 2 AS id, [encode('café')] AS c, [3]::BIGINT[] AS d", 2000);
        List<String> before = f.files("lake");

        RunOutcome blobs = f.run();

        assertNothingChanged(f, blobs, before);
        assertThat(blobs.record().step("compact[t]").orElseThrow().error()).isEqualTo("partition year=2024 of t: column c is declared "
                + "VARCHAR[] but is BLOB[] in b.parquet: a BLOB inside a list, struct or map cannot be converted exactly (DuckDB's cast "
                + "escapes bytes); nothing was written. Declare a type whose elements need no such conversion (BLOB[] itself, say)");

        Files.delete(f.lake.resolve("t/year=2024/b.parquet"));
        f.write("t/year=2024/c.parquet", "SELECT 3 AS id, ['y'] AS c, [CAST('-0.0' AS DOUBLE), 3.0] AS d", 3000);
        assertThat(f.run().record().step("compact[t]").orElseThrow().error())
                .contains("column d is declared BIGINT[], but 1 value(s) of type DOUBLE[] do not convert to it exactly, e.g. '[-0.0, 3.0]'");
    }

    @Test
    void a_declared_type_that_parquet_cannot_hold_is_refused_naming_what_to_declare() throws Exception {
        LakeFixture f = lake("t: { partition_by: [year], sort_by: [id], columns: { ts: TIMESTAMP_MS } }");
        f.write("t/year=2024/a.parquet", "SELECT 1 AS id, TIMESTAMP '2024-01-01 00:00:00' AS ts", 1000);

        RunOutcome outcome = f.run();

        assertThat(outcome.record().step("compact[t]").orElseThrow().error()).isEqualTo("table t: columns: ts: a Parquet file cannot "
                + "hold TIMESTAMP_MS (DuckDB writes it as TIMESTAMP); declare TIMESTAMP instead");
    }

    /**
     * What compaction did before this was fixed (DuckDB's union_by_name widening) is staged by
     * hand; verify, given the record such a compaction would have written, refuses each case.
     */
    @Test
    void verify_refuses_output_whose_types_or_values_were_changed_on_the_way() throws Exception {
        LakeFixture f = new LakeFixture(dir);
        f.write("a/year=2024/a.parquet", BIG_IDS, 1000);
        f.write("a/year=2024/b.parquet", DOUBLE_ID, 2000);
        f.write("c/year=2024/a.parquet", "SELECT '000001.SZ' AS ts_code, 0.35::DOUBLE AS basic_eps", 1000);
        f.write("c/year=2024/b.parquet", "SELECT '000002.SZ' AS ts_code, '0.1' AS basic_eps", 2000);

        TableSpec keyed = table("a", List.of("id"), List.of("id"));
        TableSpec plain = table("a", List.of("s"), List.of());
        TableSpec text = table("c", List.of("ts_code"), List.of());
        assertThatThrownBy(() -> verifyWidened(f, keyed, "ORDER BY id")).isInstanceOf(LakeException.class).hasMessage(
                "partition year=2024 of a: column id is DOUBLE in the staged output but BIGINT in input file a.parquet, a type that does "
                        + "not convert exactly to DOUBLE and is not declared; nothing was swapped");
        assertThatThrownBy(() -> verifyWidened(f, plain, "ORDER BY s")).isInstanceOf(LakeException.class)
                .hasMessageContaining("column id is DOUBLE in the staged output but BIGINT in input file a.parquet");
        assertThatThrownBy(() -> verifyWidened(f, text, "ORDER BY ts_code")).isInstanceOf(LakeException.class)
                .hasMessageContaining("column basic_eps is VARCHAR in the staged output but DOUBLE in input file a.parquet");

        // Declared, the type is allowed, but a value that changed on the way is still caught.
        TableSpec declared = new TableSpec("a", List.of("year"), List.of("s"), List.of(), Map.of("id", "DOUBLE"), TableSpec.OnUnreadable.FAIL, null);
        assertThatThrownBy(() -> verifyWidened(f, declared, "ORDER BY s")).isInstanceOf(LakeException.class).hasMessage(
                "partition year=2024 of a: column id: 1 value(s) of input file a.parquet (BIGINT) change when written as DOUBLE, "
                        + "e.g. '9007199254740993'; nothing was swapped");
    }

    static TableSpec table(String name, List<String> sortBy, List<String> key) {
        return new TableSpec(name, List.of("year"), sortBy, key, Map.of(), TableSpec.OnUnreadable.FAIL, null);
    }

    /** Stages the partition the way DuckDB's own union_by_name reads it, then runs verify on it. */
    void verifyWidened(LakeFixture f, TableSpec table, String order) throws Exception {
        Path liveTable = f.lake.resolve(table.name());
        Path liveDir = liveTable.resolve("year=2024");
        List<LakeFile> inputs = LakeScanner.files(liveDir);
        Path stagedTable = dir.resolve("staged").resolve(table.name() + "-" + table.sortBy().get(0) + table.columns().size());
        Files.createDirectories(stagedTable.resolve("year=2024"));
        Path out = stagedTable.resolve("year=2024/part-0.parquet");
        f.sql("COPY (SELECT * EXCLUDE (year) FROM read_parquet('" + liveDir + "/*.parquet', union_by_name = true, hive_partitioning = true) "
                + order + ") TO '" + out + "' (FORMAT PARQUET)");
        List<Column> columns = new ArrayList<>();
        for (String row : f.rows("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('" + out + "', hive_partitioning = false))")) {
            String[] parts = row.split("\\|");
            columns.add(new Column(parts[0], parts[1]));
        }
        long rows = Long.parseLong(f.rows("SELECT count(*) FROM read_parquet('" + out + "', hive_partitioning = false)").get(0));
        PartitionCompaction c = new PartitionCompaction("year=2024", Map.of("year", "2024"), inputs,
                List.of(new StagedFile("part-0.parquet", Files.size(out), rows)), rows, rows, columns, List.of(), List.of(), List.of());
        try (Connection connection = DriverManager.getConnection("jdbc:duckdb:")) {
            new Verifier(connection).verify(table, c, liveTable, stagedTable);
        }
    }
}
