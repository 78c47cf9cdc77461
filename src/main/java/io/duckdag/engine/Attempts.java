package io.duckdag.engine;

import io.duckdag.Failpoints;
import io.duckdag.StepFailure;
import io.duckdag.kind.Cancellation;
import io.duckdag.kind.StepContext;
import io.duckdag.kind.StepKinds;
import io.duckdag.kind.StepResult;
import io.duckdag.lake.SqlTrace;
import io.duckdag.pipeline.ExpandedStep;
import io.duckdag.plan.Fingerprints;
import io.duckdag.plan.Plan;
import io.duckdag.plan.PlannedStep;
import io.duckdag.state.RecordedRun;
import io.duckdag.state.StepRecord;
import io.duckdag.state.StepStatus;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Every attempt of one step, on the thread the {@link Scheduler} gives it: the step's log, the
 * failpoints around it, a timer per attempt and the run-wide interrupt that fire its
 * {@link Cancellation}, and retries that back off exponentially, except after a failure that
 * says it is not retryable. Which steps run, and when, is the scheduler's business.
 */
final class Attempts {
    static final Duration MAX_RETRY_DELAY = Duration.ofHours(1);

    private final Plan plan;
    private final RecordedRun run;
    private final StepKinds kinds;
    private final Clock clock;
    private final Failpoints failpoints;
    private final RunListener listener;
    private final Cancellation interrupt;
    private final Map<String, String> env;

    Attempts(Plan plan, RecordedRun run, StepKinds kinds, Clock clock, Failpoints failpoints,
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

    /** Every attempt of one step; returns how it ended, after recording it. */
    StepStatus runStep(PlannedStep planned, ScheduledExecutorService timers) {
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
                            run.store().runDir(plan.runId()), run.store().root(), text -> listener.stepProgress(id, text), run::current);
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
}
