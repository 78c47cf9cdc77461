package io.duckdag.steps;

/** A step's work failed; the message says what and where, for the run's output and record. */
public final class StepFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StepFailedException(String message) {
        super(message);
    }

    public StepFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
