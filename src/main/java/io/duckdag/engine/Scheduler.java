package io.duckdag.engine;

import io.duckdag.Failpoints;
import io.duckdag.pipeline.ExpandedStep;
import io.duckdag.pipeline.TriggerRule;
import io.duckdag.plan.Fingerprints;
import io.duckdag.plan.Plan;
import io.duckdag.plan.PlannedStep;
import io.duckdag.state.RecordedRun;
import io.duckdag.state.RunStatus;
import io.duckdag.state.StepRecord;
import io.duckdag.state.StepStatus;
import io.duckdag.StepFailure;
import io.duckdag.kind.Cancellation;
import io.duckdag.kind.StepContext;
import io.duckdag.kind.StepKinds;
import io.duckdag.kind.StepResult;
import io.duckdag.lake.SqlTrace;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the steps a plan says to run, each as soon as its trigger rule allows, at most
 * {@code max_parallel} at a time. Under the default rule (all_success) a failed step marks its
 * downstream steps upstream_failed while independent branches go on; an all_done step runs
 * once its upstream steps have finished however they ended, a one_failed step as soon as one
 * failed (and is skipped when none did). A failure anywhere still fails the run. Retries back
 * off exponentially, except after a failure that says it is not retryable; a timeout or an
 * interrupt cancels the running attempt.
 */
final class Scheduler {
    static final Duration MAX_RETRY_DELAY = Duration.ofHours(1);

    private final Plan plan;
    private final RecordedRun run;
    private final StepKinds kinds;
    private final Clock clock;
    private final Failpoints failpoints;
    private final RunListener listener;
    private final Cancellation interrupt;
    private final Map<String, String> env;

    Scheduler(Plan plan, RecordedRun run, StepKinds kinds, Clock clock, Failpoints failpoints,
              RunListener listener, Cancellation interrupt, Map<String, String> env) {
        this.plan = plan;
        this.run = run;
        this.kinds = kinds;
        this.clock = clock;
        this.failpoints = failpoints;
        this.listener = listener;
        this.interrupt = interrupt;
        this.env = env;
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
                                    runStep(s, timers);
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

    /** Every attempt of one step; returns how it ended, after recording it. */
    private StepStatus runStep(PlannedStep planned, ScheduledExecutorService timers) {
        ExpandedStep step = planned.step();
        String id = step.id();
        int maxAttempts = step.retries() + 1;
        Path logFile = run.store().logFile(plan.runId(), id);
        for (int attempt = 1; ; attempt++) {
            int n = attempt;
            run.updateStep(id, r -> r.started(n, clock.instant().toString(), upstreamFingerprint(id)));
            listener.stepStarted(id, attempt, maxAttempts);
            Cancellation cancel = new Cancellation();
            String error;
            List<String> outputTail = List.of();
            boolean retryable = true;
            boolean timedOut = false;
            try (PrintWriter log = openLog(logFile, step::redact);
                 AutoCloseable linked = interrupt.onCancel(cancel::interrupt)) {
                log.println("=== " + id + " attempt " + attempt + " of " + maxAttempts + " at " + clock.instant());
                log.flush();
                ScheduledFuture<?> timer = step.timeout()
                        .map(t -> timers.schedule(() -> cancel.cancel(Cancellation.Cause.TIMED_OUT, "timed out after " + human(t)), t.toMillis(), TimeUnit.MILLISECONDS))
                        .orElse(null);
                try {
                    failpoints.hit("before:" + id);
                    StepContext context = new StepContext(step, plan.pipeline(), plan.runId(), attempt, log,
                            logFile, cancel, failpoints, env, pid -> run.recordPid(id, pid), // not forced: see recordPid
                            run.store().runDir(plan.runId()), run.store().root(), text -> listener.stepProgress(id, text));
                    StepResult result;
                    // With run --verbose, the SQL the step runs goes into its log.
                    try (AutoCloseable sql = SqlTrace.intoLog(log)) {
                        result = kinds.of(step).execute(context);
                    }
                    cancel.throwIfCancelled();
                    failpoints.hit("after:" + id);
                    String end = clock.instant().toString();
                    String resultFp = Fingerprints.sha256(id + "|" + plan.runId() + "|" + end + "|" + planned.configFingerprint());
                    log.println("=== succeeded " + result.metrics());
                    StepRecord r = run.updateStep(id, x -> x.ended(StepStatus.SUCCEEDED, end, resultFp, result.metrics(), null));
                    failpoints.hit("recorded:" + id);
                    listener.stepEnded(r, logFile.toString());
                    return StepStatus.SUCCEEDED;
                } catch (Throwable e) {
                    if (cancel.cause() == Cancellation.Cause.INTERRUPTED) {
                        log.println("=== interrupted");
                        StepRecord r = run.updateStep(id, x -> x.ended(StepStatus.INTERRUPTED, clock.instant().toString(),
                                null, Map.of(), "interrupted"));
                        listener.stepEnded(r, logFile.toString());
                        return StepStatus.INTERRUPTED;
                    }
                    timedOut = cancel.isCancelled();
                    error = step.redact(timedOut ? cancel.reason() : message(e));
                    if (e instanceof StepFailure f) {
                        outputTail = f.outputTail().stream().map(step::redact).toList();
                        retryable = f.retryable();
                    }
                    log.println("=== failed: " + error);
                    if (!(e instanceof StepFailure)) {
                        e.printStackTrace(log); // not a failure a step foresaw: a bug, with its stack for the report
                    }
                } finally {
                    if (timer != null) {
                        timer.cancel(false);
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            String failure = error;
            List<String> tail = outputTail;
            if (attempt < maxAttempts && retryable && !interrupt.isCancelled()) {
                Duration delay = backoff(step.retryDelay(), attempt);
                run.updateStep(id, r -> r.ended(StepStatus.FAILED, clock.instant().toString(), null, Map.of(), failure, tail));
                listener.stepRetrying(id, attempt, maxAttempts, failure, delay);
                try {
                    if (!interrupt.sleep(delay)) {
                        return interrupted(id, logFile, failure);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return interrupted(id, logFile, failure);
                }
                continue;
            }
            StepRecord r = run.updateStep(id, x -> x.ended(StepStatus.FAILED, clock.instant().toString(), null, Map.of(), failure, tail));
            listener.stepEnded(r, logFile.toString());
            return StepStatus.FAILED;
        }
    }

    private StepStatus interrupted(String id, Path logFile, String lastError) {
        StepRecord r = run.updateStep(id, x -> x.ended(StepStatus.INTERRUPTED, clock.instant().toString(), null, Map.of(),
                "interrupted while waiting to retry after: " + lastError));
        listener.stepEnded(r, logFile.toString());
        return StepStatus.INTERRUPTED;
    }

    private String upstreamFingerprint(String id) {
        Map<String, Object> ups = new LinkedHashMap<>();
        for (String up : plan.graph().upstreamOf(id)) {
            StepRecord r = run.step(up).orElseThrow();
            ups.put(up, r.resultFingerprint() == null ? r.status().word() : r.resultFingerprint());
        }
        return Fingerprints.of(ups);
    }

    static Duration backoff(Duration base, int failedAttempts) {
        Duration d = base.multipliedBy(1L << Math.min(failedAttempts - 1, 20));
        return d.compareTo(MAX_RETRY_DELAY) > 0 ? MAX_RETRY_DELAY : d;
    }

    /** The step's log, appended to; what duckdag writes there has the step's secrets taken out. */
    private static PrintWriter openLog(Path logFile, java.util.function.UnaryOperator<String> redact) {
        try {
            Files.createDirectories(logFile.getParent());
            return new PrintWriter(new RedactingWriter(Files.newBufferedWriter(logFile, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND), redact), true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the step log " + logFile + ": " + e.getMessage(), e);
        }
    }

    private static String message(Throwable e) {
        if (e instanceof StepFailure) {
            return e.getMessage();
        }
        String text = e.getMessage() == null ? "" : e.getMessage().strip().lines().findFirst().orElse("");
        return e.getClass().getSimpleName() + (text.isEmpty() ? "" : ": " + text) + " (details in the step log)";
    }

    static String human(Duration d) {
        if (d.toMillis() < 1000) {
            return d.toMillis() + "ms";
        }
        if (d.toSeconds() < 60) {
            return d.toSeconds() + "s";
        }
        return d.toMinutes() < 60 ? d.toMinutes() + "m" : d.toHours() + "h";
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
