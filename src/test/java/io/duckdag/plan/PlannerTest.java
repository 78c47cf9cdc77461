package io.duckdag.plan;

import io.duckdag.steps.StandardKinds;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.duckdag.pipeline.ExpandedStep;
import io.duckdag.pipeline.Pipeline;
import io.duckdag.pipeline.TestLoading;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Plan and graph output of the example pipeline against golden files under src/test/resources/golden. */
class PlannerTest {
    static final Path GOLDEN = Path.of("src/test/resources/golden");
    static final Pipeline NIGHTLY = TestLoading.load(Path.of("pipelines/nightly.yaml"));

    static Plan nightlyPlan() {
        return new Planner(TestLoading.ENV, StandardKinds.all(), Planner.Looks.NOTHING).plan(NIGHTLY, TestLoading.RUN_ID, TestLoading.RUN_DATE);
    }

    @Test
    void levels_follow_dependencies_and_ties_keep_file_order() {
        Plan plan = nightlyPlan();

        assertThat(plan.steps()).extracting(s -> s.step().id() + "@" + s.level()).containsExactly(
                "download@0",
                "compact[income]@1", "compact[daily_basic]@1", "compact[balance_sheet]@1", "compact[cash_flow]@1",
                "verify[income]@2", "verify[daily_basic]@2", "verify[balance_sheet]@2", "verify[cash_flow]@2",
                "check[income]@3", "check[daily_basic]@3", "check[balance_sheet]@3", "check[cash_flow]@3",
                "swap[income]@4", "swap[daily_basic]@4", "swap[balance_sheet]@4", "swap[cash_flow]@4",
                "sync-metadata@5", "daily-basic-fresh@6");
        assertThat(plan.count(PlannedStep.Action.RUN)).isEqualTo(19);
    }

    @Test
    void lake_steps_name_their_table_and_folders() {
        PlannedStep swap = nightlyPlan().steps().stream().filter(s -> s.step().id().equals("swap[income]")).findFirst().orElseThrow();

        assertThat(swap.description().reads()).containsExactly(Path.of("data/staging/nightly/20240630-010203-004/income"));
        assertThat(swap.description().writes())
                .containsExactly(Path.of("data/parquet/income"), Path.of("data/backups/nightly/20240630-010203-004/income"));
    }

    @Test
    void a_disabled_step_is_planned_as_skipped_with_its_reason() {
        Pipeline p = TestLoading.load(Path.of("src/test/resources/pipelines/valid/shell-and-sql.yaml"));
        Plan plan = new Planner(TestLoading.ENV, StandardKinds.all(), Planner.Looks.NOTHING).plan(p, TestLoading.RUN_ID, TestLoading.RUN_DATE);

        PlannedStep off = plan.steps().get(plan.steps().size() - 1);
        assertThat(off.step().id()).isEqualTo("off");
        assertThat(off.action()).isEqualTo(PlannedStep.Action.SKIP);
        assertThat(off.reason()).isEqualTo("disabled (enabled: false)");
        assertThat(off.level()).isEqualTo(2);
    }

    @Test
    void text_plan_matches_golden_file() throws IOException {
        assertGolden("nightly-plan.txt", out -> PlanRenderer.text(nightlyPlan(), out));
    }

    @Test
    void json_plan_holds_the_same_steps() throws IOException {
        StringWriter s = new StringWriter();
        PlanRenderer.json(nightlyPlan(), new PrintWriter(s));
        JsonNode json = new ObjectMapper().readTree(s.toString());

        assertThat(json.get("pipeline").asText()).isEqualTo("nightly");
        // A new run's id is given when it starts: the plan names none, and its paths say <new run>.
        assertThat(json.get("run_id").isNull()).isTrue();
        assertThat(s.toString()).doesNotContain(TestLoading.RUN_ID).contains("data/staging/nightly/<new run>/income");
        assertThat(json.get("steps")).hasSize(19);
        JsonNode compact = json.get("steps").get(1);
        assertThat(compact.get("id").asText()).isEqualTo("compact[income]");
        assertThat(compact.get("item").asText()).isEqualTo("income");
        assertThat(compact.get("level").asInt()).isEqualTo(1);
        assertThat(compact.get("action").asText()).isEqualTo("run");
        assertThat(compact.get("writes").get(0).asText()).isEqualTo("data/staging/nightly/<new run>/income");
        assertThat(compact.has("trigger_rule")).as("the default rule is not printed").isFalse();
        assertThat(json.get("steps").get(17).get("trigger_rule").asText()).isEqualTo("all_done");
        assertThat(json.get("would_run").asInt()).isEqualTo(19);
        assertGolden("nightly-plan.json", out -> out.print(s));
    }

    @ParameterizedTest
    @EnumSource(GraphRenderer.Format.class)
    void graph_matches_golden_file(GraphRenderer.Format format) throws IOException {
        StepGraph graph = new Planner(TestLoading.ENV, StandardKinds.all(), Planner.Looks.NOTHING).graph(NIGHTLY, TestLoading.RUN_ID, TestLoading.RUN_DATE);
        assertGolden("nightly-graph." + format.name().toLowerCase(), out -> GraphRenderer.render("nightly", graph, format, out));
    }

    @Test
    void graph_knows_descendants() {
        StepGraph graph = new Planner(TestLoading.ENV, StandardKinds.all(), Planner.Looks.NOTHING).graph(NIGHTLY, TestLoading.RUN_ID, TestLoading.RUN_DATE);

        assertThat(graph.descendantsOf("compact[income]")).containsExactly("verify[income]", "check[income]", "swap[income]", "sync-metadata",
                "daily-basic-fresh");
        assertThat(graph.upstreamOf("sync-metadata")).hasSize(4);
        assertThat(graph.inOrder()).extracting(ExpandedStep::id).first().isEqualTo("download");
    }

    /** Compares with the golden file; set -Dgolden.update=true to rewrite it after a deliberate change. */
    static void assertGolden(String name, Consumer<PrintWriter> render) throws IOException {
        StringWriter s = new StringWriter();
        try (PrintWriter out = new PrintWriter(s)) {
            render.accept(out);
        }
        Path file = GOLDEN.resolve(name);
        if (Boolean.getBoolean("golden.update")) {
            Files.createDirectories(GOLDEN);
            Files.writeString(file, s.toString());
        }
        assertThat(s.toString()).isEqualTo(Files.readString(file));
    }
}
