package io.duckdag.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckdag.pipeline.TriggerRule;
import io.duckdag.state.StepStatus;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What happens next to the waiting steps, one row per situation, answers written by hand.
 *
 * <p>A row's {@code dag} lists steps in plan order as {@code id <- up1,up2 (rule)} (all_success
 * when no rule is named); {@code known} gives the status of the steps that are not waiting (the
 * steps the plan does not run are SKIPPED, as the Scheduler passes them); every step of the dag
 * without a known status is waiting. Expected upstream_failed steps read {@code id<-first failed
 * upstream}. Lists are space-separated; "" is none.
 */
class ReadySetTest {
    record Case(String name, String dag, String known, int room, boolean stopped,
                String start, String upstreamFailed, String skipped, String waiting) {
        @Override
        public String toString() {
            return name;
        }
    }

    static final int ANY = 8;
    static final String DIAMOND = "a; b <- a; c <- a; d <- b,c";

    static Stream<Case> cases() {
        return Stream.of(
                // linear chain
                new Case("chain: only the first step can start", "a; b <- a; c <- b", "", ANY, false,
                        "a", "", "", "b c"),
                new Case("chain: the next starts once the first succeeded", "a; b <- a; c <- b", "a=succeeded", ANY, false,
                        "b", "", "", "c"),
                new Case("chain: nothing starts while the first runs", "a; b <- a; c <- b", "a=running", ANY, false,
                        "", "", "", "b c"),
                new Case("chain: a failure reaches the end of the chain in one pass", "a; b <- a; c <- b", "a=failed", ANY, false,
                        "", "b<-a c<-b", "", ""),
                // diamond
                new Case("diamond: both branches start after the top", DIAMOND, "a=succeeded", ANY, false,
                        "b c", "", "", "d"),
                new Case("diamond: the bottom waits for the branch still running", DIAMOND, "a=succeeded b=succeeded c=running", ANY, false,
                        "", "", "", "d"),
                new Case("diamond: the bottom starts once both branches succeeded", DIAMOND, "a=succeeded b=succeeded c=succeeded", ANY, false,
                        "d", "", "", ""),
                new Case("diamond: a failed branch fails the bottom without waiting for the other", DIAMOND, "a=succeeded b=failed c=running", ANY, false,
                        "", "d<-b", "", ""),
                // fan-in with one failure, under each rule
                new Case("fan-in, all_success: upstream_failed, naming the failed one", "f <- x,y,z", "x=succeeded y=failed z=succeeded", ANY, false,
                        "", "f<-y", "", ""),
                new Case("fan-in, all_done: starts once all have finished", "f <- x,y,z (all_done)", "x=succeeded y=failed z=succeeded", ANY, false,
                        "f", "", "", ""),
                new Case("fan-in, one_failed: starts", "f <- x,y,z (one_failed)", "x=succeeded y=failed z=succeeded", ANY, false,
                        "f", "", "", ""),
                new Case("fan-in, all_success: names the first failed upstream in plan order", "f <- x,y,z", "x=succeeded y=upstream_failed z=failed", ANY, false,
                        "", "f<-y", "", ""),
                // one_failed
                new Case("one_failed fires on the first failure without waiting for the others", "z; alert <- x,y,z (one_failed)", "x=failed y=running", ANY, false,
                        "z alert", "", "", ""),
                new Case("one_failed waits while no upstream failed and one still runs", "alert <- x,y (one_failed)", "x=succeeded y=running", ANY, false,
                        "", "", "", "alert"),
                new Case("one_failed is skipped when every upstream ended and none failed", "alert <- x,y (one_failed)", "x=succeeded y=skipped", ANY, false,
                        "", "", "alert", ""),
                new Case("a step skipped by one_failed does not hold back its dependents, in the same pass", "alert <- x (one_failed); after <- alert", "x=succeeded", ANY, false,
                        "after", "", "alert", ""),
                // all_done
                new Case("all_done waits for a running upstream even after another failed", "f <- x,y (all_done)", "x=failed y=running", ANY, false,
                        "", "", "", "f"),
                new Case("all_done waits for an upstream that has not started", "y; f <- x,y (all_done)", "x=failed", 0, false,
                        "", "", "", "y f"),
                new Case("all_done starts after failed, upstream_failed and skipped upstreams", "f <- x,y,z (all_done)", "x=failed y=upstream_failed z=skipped", ANY, false,
                        "f", "", "", ""),
                new Case("all_done below a step that just became upstream_failed starts in the same pass", "b <- x; c <- b (all_done); d <- c", "x=failed", ANY, false,
                        "c", "b<-x", "", "d"),
                new Case("an interrupted upstream has not finished: nothing below it moves", "b <- a; c <- a (all_done); d <- a (one_failed)", "a=interrupted", ANY, false,
                        "", "", "", "b c d"),
                // skipped by the plan
                new Case("an upstream the plan does not run lets all_success start", "b <- a; c <- a,b", "a=skipped", ANY, false,
                        "b", "", "", "c"),
                new Case("an upstream the plan does not run skips one_failed", "alert <- a (one_failed)", "a=skipped", ANY, false,
                        "", "", "alert", ""),
                // upstream_failed counts as a failure
                new Case("an upstream_failed upstream is a failure under every rule", "c <- b; d <- b (all_done); e <- b (one_failed)", "b=upstream_failed", ANY, false,
                        "d e", "c<-b", "", ""),
                // capacity
                new Case("capacity: the first ready steps in plan order start", "a; b; c; d", "", 2, false,
                        "a b", "", "", "c d"),
                new Case("capacity: steps that are not ready take no room", "a; b <- x; c; d", "x=running", 2, false,
                        "a c", "", "", "b d"),
                new Case("capacity: none left, yet upstream_failed and skips are still recorded", "a; b <- x; c <- y (one_failed)", "x=failed y=succeeded", 0, false,
                        "", "b<-x", "c", "a"),
                // interrupt
                new Case("interrupt: nothing starts, upstream_failed and skips still propagate",
                        "a; b <- x; c <- b; d <- y (one_failed); e <- x (one_failed); f <- x (all_done)", "x=failed y=succeeded", ANY, true,
                        "", "b<-x c<-b", "d", "a e f"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decides_what_happens_next(Case c) {
        Map<String, StepStatus> known = known(c.known());
        List<ReadySet.Waiting> waiting = dag(c.dag()).stream().filter(w -> !known.containsKey(w.id())).toList();

        // Immutable inputs: the function must not write to them.
        ReadySet.Next next = ReadySet.next(List.copyOf(waiting), Map.copyOf(known), c.room(), c.stopped());

        assertThat(next.start()).as("start").containsExactlyElementsOf(words(c.start()));
        assertThat(next.upstreamFailed().entrySet().stream().map(e -> e.getKey() + "<-" + e.getValue()).toList())
                .as("upstream_failed").containsExactlyElementsOf(words(c.upstreamFailed()));
        assertThat(next.skipped()).as("skipped").containsExactlyElementsOf(words(c.skipped()));
        assertThat(next.waiting().stream().map(ReadySet.Waiting::id).toList()).as("waiting").containsExactlyElementsOf(words(c.waiting()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void records_each_settled_step_with_its_status_and_reason(Case c) {
        Map<String, StepStatus> known = known(c.known());
        List<ReadySet.Waiting> waiting = dag(c.dag()).stream().filter(w -> !known.containsKey(w.id())).toList();

        for (ReadySet.Settled s : ReadySet.next(waiting, known, c.room(), c.stopped()).settled()) {
            if (s instanceof ReadySet.UpstreamFailed f) {
                assertThat(s.status()).isEqualTo(StepStatus.UPSTREAM_FAILED);
                assertThat(s.reason()).isEqualTo("upstream " + f.failedUpstream() + " did not succeed");
            } else {
                assertThat(s.status()).isEqualTo(StepStatus.SKIPPED);
                assertThat(s.reason()).isEqualTo("no upstream step failed (trigger_rule: one_failed)");
            }
        }
    }

    private static final Pattern STEP = Pattern.compile("\\s*([\\w-]+)\\s*(?:<-\\s*([\\w,\\s-]+?))?\\s*(?:\\((\\w+)\\))?\\s*");

    private static List<ReadySet.Waiting> dag(String text) {
        List<ReadySet.Waiting> steps = new ArrayList<>();
        for (String part : text.split(";")) {
            Matcher m = STEP.matcher(part);
            assertThat(m.matches()).as("a step of the dag: " + part).isTrue();
            List<String> ups = m.group(2) == null ? List.of() : Arrays.stream(m.group(2).split(",")).map(String::strip).toList();
            TriggerRule rule = m.group(3) == null ? TriggerRule.DEFAULT : TriggerRule.fromYaml(m.group(3)).orElseThrow();
            steps.add(new ReadySet.Waiting(m.group(1), ups, rule));
        }
        return steps;
    }

    private static Map<String, StepStatus> known(String text) {
        Map<String, StepStatus> known = new LinkedHashMap<>();
        for (String pair : words(text)) {
            String[] kv = pair.split("=");
            known.put(kv[0], StepStatus.fromWord(kv[1]));
        }
        return known;
    }

    private static List<String> words(String text) {
        return text.isBlank() ? List.of() : List.of(text.strip().split("\\s+"));
    }
}
