package io.duckdag.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckdag.plan.RandomDag;
import io.duckdag.state.StepStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Random DAGs of shell steps (foreach included) run by the real engine in-process with random
 * failure points, then resumed after some failures are cured and some steps' commands are
 * changed (issue 11, point 9). Each step appends its id to ran.txt, then fails if its failure
 * file exists. A model computed here says what must happen: the first run starts a step only
 * after all its upstream steps succeeded and in an order that respects every edge; the resume
 * runs exactly the steps that had not succeeded, whose configuration changed, or that are
 * downstream of a step that runs again, and nothing else.
 */
class ResumePropertyTest {
    /** A DAG, the steps that fail in the first run, the failures cured and the steps (ids as written) changed before the resume. */
    record Scenario(RandomDag dag, Set<String> failing, Set<String> cured, Set<String> changed) {
    }

    /** The seeds of the scenarios: a fixed range, so a failure names a seed that replays it; -Dduckdag.properties.tries=N tries more. */
    static LongStream seeds() {
        return LongStream.range(0, Long.getLong("duckdag.properties.tries", 60));
    }

    static Scenario scenario(Random r) {
        RandomDag dag = RandomDag.generate(r, 5);
        List<String> ids = new ArrayList<>(dag.expectedUpstream().keySet());
        Set<String> failing = new HashSet<>();
        for (String id : ids) {
            if (r.nextInt(4) == 0) {
                failing.add(id);
            }
        }
        if (failing.isEmpty()) {
            failing.add(ids.get(r.nextInt(ids.size()))); // a run that succeeded has nothing to resume
        }
        Set<String> cured = new HashSet<>();
        for (String id : failing) {
            if (r.nextInt(3) > 0) {
                cured.add(id);
            }
        }
        Set<String> changed = new HashSet<>();
        for (RandomDag.Spec s : dag.specs()) {
            if (r.nextInt(5) == 0) {
                changed.add(s.id());
            }
        }
        return new Scenario(dag, failing, cured, changed);
    }

    static String failFile(String id) {
        return "fail." + id.replace('[', '.').replace("]", "");
    }

    static String command(RandomDag.Spec s, boolean changed) {
        String id = s.foreach() ? s.id() + "[${item}]" : s.id();
        String fail = s.foreach() ? "fail." + s.id() + ".${item}" : "fail." + s.id();
        return "echo '" + id + "' >> $DIR/ran.txt; test ! -f $DIR/" + fail + (changed ? " # changed" : "");
    }

    /** What a run over {@code runs} does, in the model: each status, given the statuses of the steps it does not run. */
    static Map<String, StepStatus> model(RandomDag dag, Set<String> runs, Map<String, StepStatus> before, Set<String> failing) {
        Map<String, List<String>> up = dag.expectedUpstream();
        Map<String, StepStatus> after = new LinkedHashMap<>(before);
        for (String id : dag.expectedOrder()) {
            if (!runs.contains(id)) {
                continue;
            }
            boolean upstreamOk = up.get(id).stream().allMatch(u -> after.get(u) == StepStatus.SUCCEEDED);
            after.put(id, !upstreamOk ? StepStatus.UPSTREAM_FAILED : failing.contains(id) ? StepStatus.FAILED : StepStatus.SUCCEEDED);
        }
        return after;
    }

    static Set<String> ran(Map<String, StepStatus> statuses, Set<String> runs) {
        Set<String> out = new HashSet<>();
        runs.forEach(id -> {
            if (statuses.get(id) == StepStatus.SUCCEEDED || statuses.get(id) == StepStatus.FAILED) {
                out.add(id);
            }
        });
        return out;
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void a_resume_runs_exactly_the_steps_that_had_not_succeeded_or_whose_inputs_changed(long seed) throws Exception {
        Scenario sc = scenario(new Random(seed));
        Path dir = Files.createTempDirectory("resume-property");
        try {
            RandomDag dag = sc.dag();
            EngineFixture f = new EngineFixture(dir, "random", dag.stepsYaml(s -> command(s, false)));
            for (String id : sc.failing()) {
                Files.createFile(dir.resolve(failFile(id)));
            }
            Set<String> all = dag.expectedUpstream().keySet();
            String shown = "\n" + sc + "\n" + dag.stepsYaml(s -> command(s, false));

            f.run();

            Map<String, StepStatus> first = model(dag, all, Map.of(), sc.failing());
            for (String id : all) {
                assertThat(f.step(id).status()).as(id + shown).isEqualTo(first.get(id));
            }
            List<String> ranFirst = f.lines("ran.txt");
            assertThat(ranFirst).as("steps run" + shown).containsExactlyInAnyOrderElementsOf(ran(first, all));
            for (Map.Entry<String, List<String>> e : dag.expectedUpstream().entrySet()) {
                for (String u : e.getValue()) {
                    if (ranFirst.contains(e.getKey())) {
                        assertThat(ranFirst.indexOf(u)).as(u + " ran before " + e.getKey() + shown).isBetween(0, ranFirst.indexOf(e.getKey()));
                    }
                }
            }

            for (String id : sc.cured()) {
                Files.delete(dir.resolve(failFile(id)));
            }
            f.write(dag.stepsYaml(s -> command(s, sc.changed().contains(s.id()))));
            Files.delete(dir.resolve("ran.txt"));
            f.resume();

            Set<String> again = new HashSet<>();
            for (String id : all) {
                String spec = id.contains("[") ? id.substring(0, id.indexOf('[')) : id;
                if (first.get(id) != StepStatus.SUCCEEDED || sc.changed().contains(spec)) {
                    again.add(id);
                }
            }
            for (String id : dag.expectedOrder()) { // downstream of a step that runs again
                if (dag.expectedUpstream().get(id).stream().anyMatch(again::contains)) {
                    again.add(id);
                }
            }
            Set<String> stillFailing = new HashSet<>(sc.failing());
            stillFailing.removeAll(sc.cured());
            Map<String, StepStatus> second = model(dag, again, first, stillFailing);
            for (String id : all) {
                assertThat(f.step(id).status()).as(id + " after the resume" + shown).isEqualTo(second.get(id));
            }
            assertThat(f.lines("ran.txt")).as("steps run by the resume" + shown).containsExactlyInAnyOrderElementsOf(ran(second, again));
        } finally {
            delete(dir);
        }
    }

    static void delete(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
