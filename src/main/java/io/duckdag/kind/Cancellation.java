package io.duckdag.kind;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A request to stop, with its cause and the sentence that says it ("interrupted", "timed out
 * after 5m"). Steps register what stops their work (kill a process tree, cancel a query); waits
 * end early when it fires.
 */
public final class Cancellation {
    /** Why a step was stopped: the user or the system interrupted the run, or the step ran past its timeout. */
    public enum Cause { INTERRUPTED, TIMED_OUT }

    private final CountDownLatch fired = new CountDownLatch(1);
    private final List<Runnable> hooks = new ArrayList<>();
    private volatile String reason;
    private volatile Cause cause;

    public boolean isCancelled() {
        return reason != null;
    }

    public String reason() {
        return reason;
    }

    /** Null until cancelled. */
    public Cause cause() {
        return cause;
    }

    /** An interrupt (Ctrl-C, SIGTERM): fires once; later calls are ignored. */
    public void interrupt() {
        cancel(Cause.INTERRUPTED, "interrupted");
    }

    /** Fires once; later calls are ignored. */
    public void cancel(Cause why, String sentence) {
        List<Runnable> toRun;
        synchronized (this) {
            if (reason != null) {
                return;
            }
            cause = why;
            reason = sentence;
            toRun = List.copyOf(hooks);
        }
        fired.countDown();
        toRun.forEach(Runnable::run);
    }

    /** Runs {@code hook} when cancelled (at once if already); close the handle once the work is done. */
    public AutoCloseable onCancel(Runnable hook) {
        boolean now;
        synchronized (this) {
            now = reason != null;
            if (!now) {
                hooks.add(hook);
            }
        }
        if (now) {
            hook.run();
        }
        return () -> {
            synchronized (this) {
                hooks.remove(hook);
            }
        };
    }

    /** Sleeps up to {@code duration}; returns false if cancelled meanwhile. */
    public boolean sleep(Duration duration) throws InterruptedException {
        return !fired.await(duration.toMillis(), TimeUnit.MILLISECONDS);
    }

    public void throwIfCancelled() {
        if (reason != null) {
            throw new StepCancelledException(reason);
        }
    }
}
