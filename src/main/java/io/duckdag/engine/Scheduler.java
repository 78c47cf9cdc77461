package io.duckdag.engine;

import io.duckdag.Failpoints;
import io.duckdag.pipeline.TriggerRule;
import io.duckdag.plan.Plan;
import io.duckdag.plan.PlannedStep;
import io.duckdag.state.RecordedRun;
import io.duckdag.state.RunStatus;
import io.duckdag.state.StepRecord;
import io.duckdag.state.StepStatus;
import io.duckdag.steps.Cancellation;
import io.duckdag.steps.StepExecutors;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Runs the steps a plan says to run, each as soon as its trigger rule allows, at most
 * {@code max_parallel} at a time. Under the default rule (all_success) a failed step marks its
 * downstream steps upstream_failed while independent branches go on; an all_done step runs
 * once its upstream steps have finished however they ended, a one_failed step as soon as one
 * failed (and is skipped when none did). A failure anywhere still fails the run. Each step's
 * attempts (retries, timeouts, cancellation, logs) are run by {@link Attempts}.
 */
final class Scheduler {
    private final Plan plan;
    private final RecordedRun run;
    private final RunListener listener;
    private final Cancellation interrupt;
    private final Attempts attempts;

    Scheduler(Plan plan, RecordedRun run, StepExecutors executors, Clock clock, Failpoints failpoints,
              RunListener listener, Cancellation interrupt, Map<String, String> env) {
        this.plan = plan;
        this.run = run;
        this.listener = listener;
        this.interrupt = interrupt;
        this.attempts = new Attempts(plan, run, executors, clock, failpoints, listener, interrupt, env);
    }

    RunStatus execute() {
        int parallel = plan.pipeline().settings().maxParallel();
        ExecutorService pool = Executors.newFixedThreadPool(parallel, daemon("duckdag-step"));
        ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(daemon("duckdag-timer"));
        CompletionService<String> done = new ExecutorCompletionService<>(pool);
        Map<String, StepStatus> status = new HashMap<>();
        Set<String> satisfied = new HashSet<>();
        List<PlannedStep> waiting = new ArrayList<>();
        // Every pass looks at every waiting step, so their upstream steps are looked up once.
        Map<String, List<String>> upstream = new HashMap<>();
        for (PlannedStep s : plan.steps()) {
            if (s.action() == PlannedStep.Action.RUN) {
                waiting.add(s);
                upstream.put(s.step().id(), plan.graph().upstreamOf(s.step().id()));
            } else {
                satisfied.add(s.step().id()); // skipped steps never hold back their dependents
            }
        }
        int running = 0;
        try {
            while (true) {
                for (PlannedStep s : List.copyOf(waiting)) {
                    String id = s.step().id();
                    List<String> ups = upstream.get(id);
                    List<String> failedUps = failedAmong(ups, satisfied, status);
                    switch (verdict(s.step().triggerRule(), ups, failedUps, satisfied)) {
                        case WAIT -> {
                            // an upstream step it needs has not finished yet
                        }
                        case UPSTREAM_FAILED -> {
                            waiting.remove(s);
                            status.put(id, StepStatus.UPSTREAM_FAILED);
                            StepRecord r = run.updateStep(id, x -> x.withStatus(StepStatus.UPSTREAM_FAILED,
                                    "upstream " + failedUps.get(0) + " did not succeed"));
                            listener.stepEnded(r, null);
                        }
                        case SKIP -> {
                            waiting.remove(s);
                            status.put(id, StepStatus.SKIPPED);
                            satisfied.add(id);
                            StepRecord r = run.updateStep(id, x -> x.withStatus(StepStatus.SKIPPED,
                                    "no upstream step failed (trigger_rule: " + TriggerRule.ONE_FAILED + ")"));
                            listener.stepEnded(r, null);
                        }
                        case START -> {
                            if (!interrupt.isCancelled() && running < parallel) {
                                waiting.remove(s);
                                done.submit(() -> {
                                    attempts.runStep(s, timers);
                                    return id;
                                });
                                status.put(id, StepStatus.RUNNING);
                                running++;
                            }
                        }
                    }
                }
                if (running == 0) {
                    break;
                }
                String finished = waitForOne(done);
                running--;
                StepStatus recorded = run.step(finished).orElseThrow().status();
                status.put(finished, recorded);
                if (recorded.letsDownstreamRun()) {
                    satisfied.add(finished);
                }
            }
        } finally {
            pool.shutdownNow();
            timers.shutdownNow();
        }
        return overall();
    }

    /** What a waiting step does now, by its trigger rule and where its upstream steps stand. */
    private enum Verdict { WAIT, START, UPSTREAM_FAILED, SKIP }

    /**
     * @param failedUps the upstream steps that failed or are upstream_failed
     * @param satisfied the steps that succeeded, were skipped, or are not run by this plan
     */
    private static Verdict verdict(TriggerRule rule, List<String> ups, List<String> failedUps, Set<String> satisfied) {
        boolean allSatisfied = satisfied.containsAll(ups);
        return switch (rule) {
            case ALL_SUCCESS -> !failedUps.isEmpty() ? Verdict.UPSTREAM_FAILED : allSatisfied ? Verdict.START : Verdict.WAIT;
            case ALL_DONE -> ups.stream().allMatch(u -> satisfied.contains(u) || failedUps.contains(u)) ? Verdict.START : Verdict.WAIT;
            // Like Airflow, it fires on the first failure without waiting for the other upstream steps.
            case ONE_FAILED -> !failedUps.isEmpty() ? Verdict.START : allSatisfied ? Verdict.SKIP : Verdict.WAIT;
        };
    }

    private RunStatus overall() {
        boolean failed = false;
        boolean unfinished = false;
        boolean leftOut = false;
        for (StepRecord r : run.current().steps().values()) {
            failed |= isFailure(r.status());
            unfinished |= r.status() == StepStatus.PENDING || r.status() == StepStatus.RUNNING || r.status() == StepStatus.INTERRUPTED;
            leftOut |= r.status() == StepStatus.SKIPPED && r.reason() != null && r.reason().startsWith("not selected");
        }
        if (failed) {
            return RunStatus.FAILED;
        }
        if (unfinished) {
            return RunStatus.INTERRUPTED;
        }
        return leftOut ? RunStatus.PARTIAL : RunStatus.SUCCEEDED;
    }

    private static List<String> failedAmong(List<String> ups, Set<String> satisfied, Map<String, StepStatus> status) {
        List<String> failed = List.of();
        for (String u : ups) {
            if (!satisfied.contains(u) && isFailure(status.get(u))) {
                if (failed.isEmpty()) {
                    failed = new ArrayList<>();
                }
                failed.add(u);
            }
        }
        return failed;
    }

    private static boolean isFailure(StepStatus s) {
        return s == StepStatus.FAILED || s == StepStatus.UPSTREAM_FAILED;
    }

    private static String waitForOne(CompletionService<String> done) {
        try {
            return done.take().get();
        } catch (InterruptedException e) {
            throw new IllegalStateException("the scheduler thread was interrupted; interrupts go through Cancellation", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a step task failed outside its own error handling", e.getCause());
        }
    }

    /** How long to wait after the given number of failed attempts: see {@link Attempts}. */
    static Duration backoff(Duration base, int failedAttempts) {
        return Attempts.backoff(base, failedAttempts);
    }

    static String human(Duration d) {
        return Attempts.human(d);
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
