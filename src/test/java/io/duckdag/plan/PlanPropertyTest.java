package io.duckdag.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckdag.pipeline.ExpandedStep;
import io.duckdag.pipeline.Pipeline;
import io.duckdag.pipeline.TestLoading;
import io.duckdag.steps.StandardKinds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Properties of the real loader, expander and planner over random DAGs with foreach steps
 * (issue 11, point 9): the order respects every edge, item-wise links are right, and the levels
 * and the order are exactly "longest path, then file order".
 */
class PlanPropertyTest {
    /**
     * The seeds of the random DAGs: a fixed range, so a failure names a seed that replays it;
     * -Dduckdag.properties.tries=N tries more.
     */
    static LongStream seeds() {
        return LongStream.range(0, Long.getLong("duckdag.properties.tries", 200));
    }

    static Pipeline load(RandomDag dag) throws Exception {
        Path file = Files.createTempFile("random-dag", ".yaml");
        try {
            Files.writeString(file, "pipeline: random\n" + dag.stepsYaml(s -> "true"));
            return TestLoading.load(file);
        } finally {
            Files.delete(file);
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void expansion_links_foreach_steps_item_by_item_over_the_same_items_and_to_every_item_otherwise(long seed) throws Exception {
        RandomDag dag = RandomDag.generate(new Random(seed), 9);
        Pipeline pipeline = load(dag);

        Map<String, List<String>> expected = dag.expectedUpstream();
        List<ExpandedStep> steps = pipeline.expanded(TestLoading.RUN_ID, TestLoading.RUN_DATE).orElseThrow();
        assertThat(steps).extracting(ExpandedStep::id).containsExactlyElementsOf(expected.keySet());
        for (ExpandedStep s : steps) {
            assertThat(s.dependsOn()).as(s.id() + " in\n" + dag.stepsYaml(x -> "true")).containsExactlyInAnyOrderElementsOf(expected.get(s.id()));
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void the_plan_puts_every_step_after_all_it_depends_on_level_by_level_then_in_file_order(long seed) throws Exception {
        RandomDag dag = RandomDag.generate(new Random(seed), 9);
        Pipeline pipeline = load(dag);

        Plan plan = new Planner(TestLoading.ENV, StandardKinds.all(), Planner.Looks.NOTHING).plan(pipeline, TestLoading.RUN_ID, TestLoading.RUN_DATE);

        List<String> order = plan.steps().stream().map(s -> s.step().id()).toList();
        Map<String, Integer> levels = plan.steps().stream().collect(Collectors.toMap(s -> s.step().id(), PlannedStep::level));
        for (Map.Entry<String, List<String>> e : dag.expectedUpstream().entrySet()) {
            for (String upstream : e.getValue()) {
                assertThat(order.indexOf(upstream)).as(upstream + " before " + e.getKey()).isLessThan(order.indexOf(e.getKey()));
                assertThat(levels.get(upstream)).as("level of " + upstream + " below " + e.getKey()).isLessThan(levels.get(e.getKey()));
            }
        }
        assertThat(levels).isEqualTo(dag.expectedLevels());
        assertThat(order).isEqualTo(dag.expectedOrder());
        assertThat(plan.steps()).allMatch(s -> s.action() == PlannedStep.Action.RUN);
    }
}
