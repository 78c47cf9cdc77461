package io.duckdag.steps;

import java.util.List;

/**
 * A step's work failed; the message says what and where, for the run's output and record.
 * {@code outputTail} holds the last lines the step's command wrote in this attempt (empty when it
 * ran none), shown under the failure. A failure that is not {@code retryable} ends the step at
 * once, whatever its {@code retries}: trying again cannot help (a command that does not exist).
 */
public final class StepFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient List<String> outputTail;
    private final boolean retryable;

    public StepFailedException(String message) {
        this(message, List.of(), true);
    }

    public StepFailedException(String message, Throwable cause) {
        super(message, cause);
        this.outputTail = List.of();
        this.retryable = true;
    }

    public StepFailedException(String message, List<String> outputTail, boolean retryable) {
        super(message);
        this.outputTail = List.copyOf(outputTail);
        this.retryable = retryable;
    }

    public List<String> outputTail() {
        return outputTail;
    }

    public boolean retryable() {
        return retryable;
    }
}
