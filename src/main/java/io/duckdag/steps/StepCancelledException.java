package io.duckdag.steps;

/** A step stopped because it was cancelled (timeout or interrupt), not because its work failed. */
public final class StepCancelledException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StepCancelledException(String reason) {
        super(reason);
    }
}
