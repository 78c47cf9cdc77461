package io.duckdag.engine;

import io.duckdag.Failpoints;
import io.duckdag.kind.Cancellation;
import io.duckdag.kind.StepKinds;
import io.duckdag.plan.Plan;
import io.duckdag.plan.PlannedStep;
import io.duckdag.state.RecordedRun;
import io.duckdag.state.RunStatus;
import io.duckdag.state.StepRecord;
import io.duckdag.state.StepStatus;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Runs the steps a plan says to run, each as soon as its trigger rule allows, at most
 * {@code max_parallel} at a time. Under the default rule (all_success) a failed step marks its
 * downstream steps upstream_failed while independent branches go on; an all_done step runs
 * once its upstream steps have finished however they ended, a one_failed step as soon as one
 * failed (and is skipped when none did). A failure anywhere still fails the run.
 *
 * <p>A short loop: {@link ReadySet} says what happens next to the waiting steps, this records
 * the upstream_failed and skipped ones, starts the ready ones through {@link Attempts} (retries,
 * timeouts, cancellation, logs), waits for one to finish, and asks again.
 */
final class Scheduler {
    private final Plan plan;
    private final RecordedRun run;
    private final RunListener listener;
    private final Cancellation interrupt;
    private final Attempts attempts;

    Scheduler(Plan plan, RecordedRun run, StepKinds kinds, Clock clock, Failpoints failpoints,
              RunListener listener, Cancellation interrupt, Map<String, String> env) {
        this.plan = plan;
        this.run = run;
        this.listener = listener;
        this.interrupt = interrupt;
        this.attempts = new Attempts(plan, run, kinds, clock, failpoints, listener, interrupt, env);
    }

    RunStatus execute() {
        int parallel = plan.pipeline().settings().maxParallel();
        ExecutorService pool = Executors.newFixedThreadPool(parallel, daemon("duckdag-step"));
        ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(daemon("duckdag-timer"));
        CompletionService<String> done = new ExecutorCompletionService<>(pool);
        Map<String, PlannedStep> toRun = new HashMap<>();
        Map<String, StepStatus> status = new HashMap<>();
        List<ReadySet.Waiting> waiting = new ArrayList<>();
        for (PlannedStep s : plan.steps()) {
            String id = s.step().id();
            if (s.action() == PlannedStep.Action.RUN) {
                toRun.put(id, s);
                waiting.add(new ReadySet.Waiting(id, plan.graph().upstreamOf(id), s.step().triggerRule()));
            } else {
                status.put(id, StepStatus.SKIPPED); // skipped steps never hold back their dependents
            }
        }
        int running = 0;
        try {
            while (true) {
                ReadySet.Next next = ReadySet.next(waiting, status, parallel - running, interrupt.isCancelled());
                for (ReadySet.Settled s : next.settled()) {
                    status.put(s.id(), s.status());
                    StepRecord r = run.updateStep(s.id(), x -> x.withStatus(s.status(), s.reason()));
                    listener.stepEnded(r, null);
                }
                for (String id : next.start()) {
                    PlannedStep s = toRun.get(id);
                    done.submit(() -> {
                        attempts.runStep(s, timers);
                        return id;
                    });
                    status.put(id, StepStatus.RUNNING);
                    running++;
                }
                waiting = next.waiting();
                if (running == 0) {
                    break;
                }
                String finished = waitForOne(done);
                running--;
                status.put(finished, run.step(finished).orElseThrow().status());
            }
        } finally {
            pool.shutdownNow();
            timers.shutdownNow();
        }
        return overall();
    }

    private RunStatus overall() {
        boolean failed = false;
        boolean unfinished = false;
        for (StepRecord r : run.current().steps().values()) {
            failed |= isFailure(r.status());
            unfinished |= r.status() == StepStatus.PENDING || r.status() == StepStatus.RUNNING || r.status() == StepStatus.INTERRUPTED;
        }
        boolean leftOut = plan.steps().stream().anyMatch(s -> s.why() == PlannedStep.Why.NOT_SELECTED);
        if (failed) {
            return RunStatus.FAILED;
        }
        if (unfinished) {
            return RunStatus.INTERRUPTED;
        }
        return leftOut ? RunStatus.PARTIAL : RunStatus.SUCCEEDED;
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
