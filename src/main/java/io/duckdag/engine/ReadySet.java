package io.duckdag.engine;

import io.duckdag.pipeline.TriggerRule;
import io.duckdag.state.StepStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What happens next to the steps still waiting, from their trigger rules and where their
 * upstream steps stand: a pure function (no I/O, no threads, no run records), so that the
 * {@link Scheduler} only carries out its answer.
 *
 * <p>An upstream step that succeeded or was skipped (by the plan, or by its own one_failed
 * rule) is satisfied: skipped steps never hold back their dependents. One that failed or is
 * upstream_failed is a failure. Any other (running, interrupted, not yet started) has not
 * finished. Under all_success a failure marks the step upstream_failed; all_done waits until
 * every upstream step is satisfied or failed; one_failed starts on the first failure without
 * waiting for the others, and is skipped once every upstream step is satisfied, as in Airflow.
 */
final class ReadySet {
    private ReadySet() {
    }

    /** A step still waiting, with its upstream steps in plan order and its trigger rule. */
    record Waiting(String id, List<String> upstream, TriggerRule rule) {
        Waiting {
            upstream = List.copyOf(upstream);
        }
    }

    /** A waiting step that will not run, with the status and reason to record. */
    sealed interface Settled permits UpstreamFailed, Skipped {
        String id();

        StepStatus status();

        String reason();
    }

    /** Under all_success: {@code failedUpstream} is the first upstream step that failed or is upstream_failed. */
    record UpstreamFailed(String id, String failedUpstream) implements Settled {
        @Override
        public StepStatus status() {
            return StepStatus.UPSTREAM_FAILED;
        }

        @Override
        public String reason() {
            return "upstream " + failedUpstream + " did not succeed";
        }
    }

    /** Under one_failed, when every upstream step is satisfied: none failed. */
    record Skipped(String id) implements Settled {
        @Override
        public StepStatus status() {
            return StepStatus.SKIPPED;
        }

        @Override
        public String reason() {
            return "no upstream step failed (trigger_rule: " + TriggerRule.ONE_FAILED + ")";
        }
    }

    /**
     * @param start the steps to start now, in plan order
     * @param settled the steps that become upstream_failed or skipped, in plan order
     * @param waiting the steps that keep waiting, in plan order: the next call's {@code waiting}
     */
    record Next(List<String> start, List<Settled> settled, List<Waiting> waiting) {
        Next {
            start = List.copyOf(start);
            settled = List.copyOf(settled);
            waiting = List.copyOf(waiting);
        }

        /** Each step that becomes upstream_failed, with the first upstream step that failed. */
        Map<String, String> upstreamFailed() {
            Map<String, String> failed = new LinkedHashMap<>();
            for (Settled s : settled) {
                if (s instanceof UpstreamFailed f) {
                    failed.put(f.id(), f.failedUpstream());
                }
            }
            return failed;
        }

        List<String> skipped() {
            return settled.stream().filter(s -> s instanceof Skipped).map(Settled::id).toList();
        }
    }

    /**
     * Decides every waiting step in one pass, in plan order, so that an upstream_failed or a skip
     * reaches the steps below it in the same pass (the plan order is topological).
     *
     * @param waiting the steps this plan runs that have not started, in plan order
     * @param known how each other step stands: the steps this plan does not run as SKIPPED, the
     *     running ones as RUNNING, the finished ones as they ended; a step absent here and from
     *     {@code waiting} has not finished
     * @param room how many more steps may start now (max_parallel minus the running ones)
     * @param stopped an interrupt stops new starts; steps still become upstream_failed or skipped
     */
    static Next next(List<Waiting> waiting, Map<String, StepStatus> known, int room, boolean stopped) {
        Map<String, StepStatus> status = new HashMap<>(known);
        List<String> start = new ArrayList<>();
        List<Settled> settled = new ArrayList<>();
        List<Waiting> still = new ArrayList<>();
        for (Waiting w : waiting) {
            List<String> failedUps = failedAmong(w.upstream(), status);
            switch (verdict(w.rule(), w.upstream(), failedUps, status)) {
                case WAIT -> still.add(w); // an upstream step it needs has not finished yet
                case UPSTREAM_FAILED -> {
                    settled.add(new UpstreamFailed(w.id(), failedUps.get(0)));
                    status.put(w.id(), StepStatus.UPSTREAM_FAILED);
                }
                case SKIP -> {
                    settled.add(new Skipped(w.id()));
                    status.put(w.id(), StepStatus.SKIPPED);
                }
                case START -> {
                    if (!stopped && start.size() < room) {
                        start.add(w.id());
                        status.put(w.id(), StepStatus.RUNNING);
                    } else {
                        still.add(w);
                    }
                }
            }
        }
        return new Next(start, settled, still);
    }

    /** What a waiting step does now, by its trigger rule and where its upstream steps stand. */
    private enum Verdict { WAIT, START, UPSTREAM_FAILED, SKIP }

    /** @param failedUps the upstream steps that failed or are upstream_failed */
    private static Verdict verdict(TriggerRule rule, List<String> ups, List<String> failedUps, Map<String, StepStatus> status) {
        boolean allSatisfied = ups.stream().allMatch(u -> satisfied(status.get(u)));
        return switch (rule) {
            case ALL_SUCCESS -> !failedUps.isEmpty() ? Verdict.UPSTREAM_FAILED : allSatisfied ? Verdict.START : Verdict.WAIT;
            case ALL_DONE -> ups.stream().allMatch(u -> satisfied(status.get(u)) || failedUps.contains(u)) ? Verdict.START : Verdict.WAIT;
            // Like Airflow, it fires on the first failure without waiting for the other upstream steps.
            case ONE_FAILED -> !failedUps.isEmpty() ? Verdict.START : allSatisfied ? Verdict.SKIP : Verdict.WAIT;
        };
    }

    private static List<String> failedAmong(List<String> ups, Map<String, StepStatus> status) {
        List<String> failed = List.of();
        for (String u : ups) {
            if (isFailure(status.get(u))) {
                if (failed.isEmpty()) {
                    failed = new ArrayList<>();
                }
                failed.add(u);
            }
        }
        return failed;
    }

    private static boolean satisfied(StepStatus s) {
        return s != null && s.letsDownstreamRun();
    }

    private static boolean isFailure(StepStatus s) {
        return s == StepStatus.FAILED || s == StepStatus.UPSTREAM_FAILED;
    }
}
