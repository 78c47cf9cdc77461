package io.duckdag.kind;

import io.duckdag.StepFailure;

/** A step stopped because it was cancelled (timeout or interrupt), not because its work failed. */
public final class StepCancelledException extends StepFailure {
    private static final long serialVersionUID = 1L;

    private final Cancellation.Cause cause;

    public StepCancelledException(Cancellation.Cause cause, String reason) {
        super(reason);
        this.cause = cause;
    }

    public Cancellation.Cause cancelCause() {
        return cause;
    }
}
