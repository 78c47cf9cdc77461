package io.duckdag;

import java.util.List;

/**
 * A step's work ended in a way duckdag foresaw and can explain: the message says what and
 * where, for the run's output and record. The one family of step failures; the scheduler
 * handles it in one place, and anything else a step throws is a bug, logged with its stack
 * trace. {@code outputTail} holds the last lines the step's command wrote (empty when it ran
 * none); a failure that is not {@code retryable} ends the step at once, whatever its retries.
 */
public abstract class StepFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    protected StepFailure(String message) {
        super(message);
    }

    protected StepFailure(String message, Throwable cause) {
        super(message, cause);
    }

    public List<String> outputTail() {
        return List.of();
    }

    public boolean retryable() {
        return true;
    }
}
