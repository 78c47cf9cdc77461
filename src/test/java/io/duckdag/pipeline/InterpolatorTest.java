package io.duckdag.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class InterpolatorTest {
    static final Location AT = new Location("p.yaml", 3, 7);
    static final Scope SCOPE = new Scope(Map.of("date", "2024-06-30"), Map.of("HOME", "/home/a"),
            "income", "20240630-010203-004", "2024-06-30");

    @Test
    void substitutes_every_kind_of_variable() {
        assertThat(Interpolator.apply("${params.date} ${env.HOME} ${item} ${run.id} ${run.date}", AT, SCOPE))
                .isEqualTo("2024-06-30 /home/a income 20240630-010203-004 2024-06-30");
    }

    @Test
    void dollar_dollar_brace_is_a_literal_and_a_lone_dollar_stays() {
        assertThat(Interpolator.apply("cost $5, $${HOME} and ${ item }", AT, SCOPE)).isEqualTo("cost $5, ${HOME} and income");
    }

    @Test
    void a_value_that_looks_like_yaml_stays_one_string() {
        Scope scope = new Scope(Map.of(), Map.of("X", "a\nsteps: []\nb: {c: d}"), null, "r", "d");
        Node.Mapping with = new YamlReader().parse("command: \"echo ${env.X}\"\n", "p.yaml");

        Node.Mapping out = (Node.Mapping) Interpolator.apply(with, scope);

        assertThat(out.entries()).hasSize(1);
        assertThat(((Node.Scalar) out.get("command").orElseThrow()).text()).isEqualTo("echo a\nsteps: []\nb: {c: d}");
    }

    @Test
    void numbers_and_booleans_are_left_alone() {
        Node.Mapping with = new YamlReader().parse("rows: 10\nfull: true\n", "p.yaml");

        assertThat(Interpolator.apply(with, SCOPE)).isEqualTo(with);
    }

    @Test
    void params_are_suggested_or_listed() {
        assertThatThrownBy(() -> Interpolator.apply("${params.dates}", AT, SCOPE))
                .hasMessage("p.yaml:3:7: '${params.dates}' names no param; did you mean 'date'?");
        assertThatThrownBy(() -> Interpolator.apply("${params.zzzzzz}", AT, SCOPE))
                .hasMessage("p.yaml:3:7: '${params.zzzzzz}' names no param (declared params: date)");
    }
}
