package io.duckdag.lake;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The README's table of exact widenings, row by row, and the common type of a set of file types. */
class TypeWideningTest {

    @ParameterizedTest(name = "{0} -> {1}: {2}")
    @CsvSource(delimiter = ';', value = {
            "INTEGER; BIGINT; true",
            "BIGINT; INTEGER; false",
            "UINTEGER; BIGINT; true",
            "UBIGINT; BIGINT; false",
            "UBIGINT; HUGEINT; true",
            "SMALLINT; FLOAT; true",
            "INTEGER; FLOAT; false",
            "INTEGER; DOUBLE; true",
            "BIGINT; DOUBLE; false",
            "FLOAT; DOUBLE; true",
            "DOUBLE; FLOAT; false",
            "DOUBLE; BIGINT; false",
            "DECIMAL(10,2); DECIMAL(12,4); true",
            "DECIMAL(10,2); DECIMAL(11,4); false",
            "DECIMAL(10,2); DOUBLE; false",
            "INTEGER; DECIMAL(12,2); true",
            "BIGINT; DECIMAL(18,0); false",
            "BIGINT; DECIMAL(38,10); true",
            "INTEGER[]; BIGINT[]; true",
            "BIGINT[]; DOUBLE[]; false",
            "TIMESTAMP_MS; TIMESTAMP; true",
            "TIMESTAMP; TIMESTAMP_NS; false",
            "DATE; TIMESTAMP; false",
            "DOUBLE; VARCHAR; false",
            "VARCHAR; DOUBLE; false",
            "\"NULL\"; DECIMAL(18,3); true",
            "STRUCT(a INTEGER); STRUCT(a BIGINT); false"})
    void exact(String from, String to, boolean expected) {
        assertThat(TypeWidening.exact(from, to)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = ';', value = {
            "INTEGER,BIGINT; BIGINT",
            "DECIMAL(10,2),DECIMAL(9,4); DECIMAL(12,4)",
            "INTEGER,DECIMAL(5,2); DECIMAL(12,2)",
            "UBIGINT,BIGINT; DECIMAL(20,0)",
            "BIGINT,DOUBLE; none",
            "DOUBLE,VARCHAR; none",
            "DECIMAL(38,2),DECIMAL(38,10); none",
            "\"NULL\",DATE; DATE"})
    void common(String types, String expected) {
        Optional<String> common = TypeWidening.common(List.of(types.split(",(?=[A-Z\"])")));
        assertThat(common.orElse("none")).isEqualTo(expected);
    }
}
