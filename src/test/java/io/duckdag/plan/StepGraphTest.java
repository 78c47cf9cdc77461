package io.duckdag.plan;

import io.duckdag.steps.StandardKinds;
import static org.assertj.core.api.Assertions.assertThat;

import io.duckdag.pipeline.Pipeline;
import io.duckdag.pipeline.TestLoading;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StepGraphTest {
    @Test
    void ancestors_are_every_step_reached_through_upstream_steps_in_plan_order() {
        Pipeline nightly = TestLoading.load(Path.of("pipelines/nightly.yaml"));
        StepGraph graph = new Planner(TestLoading.ENV, StandardKinds.all(), Planner.Looks.NOTHING).graph(nightly, TestLoading.RUN_ID, TestLoading.RUN_DATE);

        assertThat(graph.ancestorsOf("download")).isEmpty();
        assertThat(graph.ancestorsOf("swap[income]")).containsExactly("download", "compact[income]", "verify[income]", "check[income]");
        assertThat(graph.ancestorsOf("daily-basic-fresh")).hasSize(graph.size() - 1);
        for (var step : graph.inOrder()) {
            List<String> walked = graph.inOrder().stream().map(s -> s.id())
                    .filter(walk(graph, step.id())::contains).toList();
            assertThat(graph.ancestorsOf(step.id())).as(step.id()).isEqualTo(walked);
        }
    }

    private static Set<String> walk(StepGraph graph, String id) {
        Set<String> seen = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(graph.upstreamOf(id));
        while (!todo.isEmpty()) {
            String up = todo.pop();
            if (seen.add(up)) {
                todo.addAll(graph.upstreamOf(up));
            }
        }
        return seen;
    }
}
