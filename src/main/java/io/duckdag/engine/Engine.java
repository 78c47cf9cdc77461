package io.duckdag.engine;

import io.duckdag.DuckdagException;
import io.duckdag.ExitCode;
import io.duckdag.Failpoints;
import io.duckdag.kind.Cancellation;
import io.duckdag.kind.Processes;
import io.duckdag.kind.StepKinds;
import io.duckdag.lake.Housekeeping;
import io.duckdag.pipeline.Pipeline;
import io.duckdag.pipeline.PipelineLoader;
import io.duckdag.plan.Plan;
import io.duckdag.plan.PlannedStep;
import io.duckdag.plan.Planner;
import io.duckdag.state.Journal;
import io.duckdag.state.PipelineLock;
import io.duckdag.state.TableLocks;
import io.duckdag.state.RecordedRun;
import io.duckdag.state.RunRecord;
import io.duckdag.state.RunStatus;
import io.duckdag.state.RunStore;
import io.duckdag.state.StepRecord;
import io.duckdag.state.StepStatus;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Plans and runs pipelines. {@link #plan} only reads; {@link #run} takes the pipeline's lock,
 * plans again under it (the state may have moved), records every step, and hands the plan to
 * the {@link Scheduler}.
 */
public final class Engine {
    private final Map<String, String> env;
    private final Clock clock;
    private final Failpoints failpoints;
    private final StepKinds kinds;

    public Engine(Map<String, String> env, Clock clock, Failpoints failpoints, StepKinds kinds) {
        this.env = Map.copyOf(env);
        this.clock = clock;
        this.failpoints = failpoints;
        this.kinds = kinds;
    }

    /** What a run of this request would do, with each lake step's data impact. Writes nothing. */
    public Plan plan(RunRequest request) {
        return plan(request, load(request), Planner.Looks.EVERYTHING);
    }

    /**
     * The run a request is about: its pipeline, read once and expanded once for it, its id and
     * date, and for a resume the record it carries on.
     */
    private record Target(Pipeline pipeline, String runId, String runDate, Optional<RunRecord> resuming) {
    }

    private Plan plan(RunRequest request, Target target, Planner.Looks looks) {
        return new Planner(env, kinds, looks).plan(target.pipeline(), target.runId(), target.runDate(), target.resuming(),
                request.selection());
    }

    /**
     * Reads the pipeline, finds the run (a new id, or the run resumed), and expands the steps for
     * it, which checks every with:. A resumed run keeps the params it started with, unless
     * --param says otherwise now; the file is read again only when they differ from the ones it
     * was read with (${params.x} may be anywhere, even in settings).
     */
    private Target load(RunRequest request) {
        PipelineLoader loader = new PipelineLoader(env, kinds);
        Pipeline pipeline = withStateDir(loader.read(request.file(), request.params()), request);
        RunStore store = new RunStore(pipeline.settings().stateDir(), pipeline.name());
        if (!request.resume()) {
            String runId = store.newRunId(clock).value();
            String today = LocalDate.now(clock).toString();
            return new Target(loader.expand(pipeline, runId, today), runId, today, Optional.empty());
        }
        RunRecord previous = resumed(request, pipeline, store);
        Map<String, String> params = new LinkedHashMap<>();
        previous.params().forEach((k, v) -> {
            // A param recorded as written from ${env.X} is read from the environment again.
            boolean fromEnv = v.equals(pipeline.paramsFromEnv().get(k));
            if (pipeline.params().containsKey(k) && !fromEnv) {
                params.put(k, v);
            }
        });
        params.putAll(request.params());
        Pipeline resumed = params.equals(pipeline.params()) ? pipeline : withStateDir(loader.read(request.file(), params), request);
        return new Target(loader.expand(resumed, previous.runId(), previous.runDate()), previous.runId(), previous.runDate(),
                Optional.of(previous));
    }

    /** The run that a resume carries on: the one named, else the latest unfinished one. */
    private static RunRecord resumed(RunRequest request, Pipeline pipeline, RunStore store) {
        return request.resumeRunId()
                .map(id -> store.load(id).orElseThrow(() -> DuckdagException.usage("pipeline " + pipeline.name()
                        + " has no run " + id + " in " + store.root() + "; 'duckdag runs " + request.file() + "' lists its runs")))
                .orElseGet(() -> store.latestUnfinished().orElseThrow(() -> DuckdagException.usage("pipeline "
                        + pipeline.name() + " has no unfinished run to resume (in " + store.root()
                        + "); start a new one with 'duckdag run " + request.file() + "'")));
    }

    /** Runs the request under the pipeline's lock and returns how it ended. */
    public RunOutcome run(RunRequest request, RunListener listener, Cancellation interrupt) {
        // Only the pipeline and the run id are needed before the lock: no plan, no look at the lake.
        Target target = load(request);
        Pipeline pipeline = target.pipeline();
        Preflight.check(pipeline, kinds);
        RunStore store = new RunStore(pipeline.settings().stateDir(), pipeline.name());
        store.keepPrivate();
        String runId = target.runId();
        try (PipelineLock lock = PipelineLock.acquire(store.root(), pipeline.name(), runId, clock.instant())) {
            new Journal(store.root(), failpoints).recover().forEach(listener::recovered);
            // Under the lock the state is final: plan again, checking checkpoints against the lake,
            // without the impact lines that only a printed plan needs.
            // The run id the lock's holder file names is the run's own.
            // A resumed run's record is read again: another run of it may have moved it on meanwhile.
            Target locked = target.resuming().isEmpty() ? target : new Target(pipeline, runId, target.runDate(),
                    Optional.of(store.load(runId).orElse(target.resuming().get())));
            Plan plan = plan(request, locked, Planner.Looks.CHECKPOINTS);
            checkReviewed(request, plan);
            // Another pipeline's run over the same lake may hold a table this one changes: refused
            // before anything is recorded, so this run leaves no trace.
            try (TableLocks tables = TableLocks.acquire(io.duckdag.lake.LakeLayout.of(pipeline).lake(), tablesChanged(plan),
                    pipeline.name(), runId, clock.instant())) {
                RecordedRun run = new RecordedRun(store, startRecord(plan));
                failpoints.hit("run-recorded");
                listener.runStarted(plan, run.current());
                RunStatus status = new Scheduler(plan, run, kinds, clock, failpoints, listener, interrupt, env).execute();
                RunRecord done = run.update(r -> r.ended(status, clock.instant().toString()));
                if (status == RunStatus.SUCCEEDED) {
                    cleanUp(plan.pipeline(), store, listener);
                }
                listener.runEnded(done);
                return new RunOutcome(done, switch (status) {
                    case SUCCEEDED, PARTIAL -> ExitCode.OK;
                    case INTERRUPTED -> ExitCode.INTERRUPTED;
                    default -> ExitCode.STEP_FAILED;
                });
            }
        }
    }

    /** The tables whose live files the steps that will run may change (compact, swap). */
    private Set<String> tablesChanged(Plan plan) {
        Set<String> tables = new TreeSet<>();
        for (PlannedStep s : plan.steps()) {
            if (s.action() == PlannedStep.Action.RUN) {
                tables.addAll(kinds.of(s.step()).tablesChanged());
            }
        }
        return tables;
    }

    /** After a success: this run's staging is no longer needed, and backups beyond keep_backups go. */
    private void cleanUp(Pipeline pipeline, RunStore store, RunListener listener) {
        var layout = io.duckdag.lake.LakeLayout.of(pipeline);
        for (var p : Housekeeping.pruneStaging(layout.staging(), id -> store.load(id).map(RunRecord::finished).orElse(false), failpoints)) {
            listener.cleanedUp("staging " + p);
        }
        int keep = pipeline.settings().keepBackups();
        for (var p : Housekeeping.pruneBackups(layout.backups(), keep, failpoints)) {
            listener.cleanedUp("backup " + p + " (keep_backups: " + keep + ")");
        }
    }

    private static void checkReviewed(RunRequest request, Plan plan) {
        if (request.reviewedPlan().isEmpty()) {
            return;
        }
        List<String> changes = plan.id().changesSince(request.reviewedPlan().get());
        if (!changes.isEmpty()) {
            throw DuckdagException.usage("the plan changed since " + request.reviewedPlan().get() + " was printed: "
                    + String.join("; ", changes) + "; nothing was run. Review the new plan (" + plan.id()
                    + ") with 'duckdag plan " + request.file() + "' and run that one");
        }
    }

    private RunRecord startRecord(Plan plan) {
        String now = clock.instant().toString();
        Map<String, StepRecord> steps = new LinkedHashMap<>();
        Optional<RunRecord> previous = plan.resuming();
        for (PlannedStep s : plan.steps()) {
            String id = s.step().id();
            Optional<StepRecord> old = previous.flatMap(r -> r.step(id));
            StepRecord record;
            if (s.action() == PlannedStep.Action.RUN) {
                old.ifPresent(Engine::stopOrphan);
                record = StepRecord.pending(id, s.configFingerprint(), s.config()).withStatus(StepStatus.PENDING, s.reason());
            } else if (old.isPresent() && old.get().status() == StepStatus.SUCCEEDED) {
                record = old.get();
            } else {
                record = StepRecord.pending(id, s.configFingerprint(), s.config()).withStatus(StepStatus.SKIPPED, s.reason());
            }
            steps.put(id, record);
        }
        Pipeline p = plan.pipeline();
        if (previous.isPresent()) {
            return previous.get().resumed(now, p.file(), p.sha256(), p.recordedParams()).withSteps(steps);
        }
        return new RunRecord(plan.runId(), p.name(), p.file(), p.sha256(), p.recordedParams(), plan.runDate(), RunStatus.RUNNING,
                now, null, List.of(), steps);
    }

    /**
     * A step that was running when its run died may have left a child process (a downloader)
     * that still writes. Stop it before running the step again, if it is the same process:
     * one started before the step's record said it started is a different process with a reused pid.
     */
    private static void stopOrphan(StepRecord old) {
        if (old.status() != StepStatus.RUNNING || old.pid() == null || old.startedAt() == null) {
            return;
        }
        Instant stepStart = Instant.parse(old.startedAt());
        ProcessHandle.of(old.pid()).ifPresent(h -> {
            Optional<Instant> began = h.info().startInstant();
            if (Processes.isRunning(h.pid()) && began.isPresent() && !began.get().isBefore(stepStart.minusSeconds(1))) {
                Processes.stopTree(h);
            }
        });
    }

    private static Pipeline withStateDir(Pipeline pipeline, RunRequest request) {
        return request.stateDir().map(d -> pipeline.withSettings(pipeline.settings().withStateDir(d))).orElse(pipeline);
    }
}
