package io.duckdag.kind;

import io.duckdag.StepFailure;

/**
 * A step stopped because it was cancelled (timeout or interrupt), not because its work failed.
 * Why is the {@link Cancellation}'s {@link Cancellation#cause()}, which the engine reads.
 */
public final class StepCancelledException extends StepFailure {
    private static final long serialVersionUID = 1L;

    public StepCancelledException(String reason) {
        super(reason);
    }
}
