package io.duckdag.kind;

import io.duckdag.StepFailure;
import java.util.List;

/**
 * A step's work failed; the message says what and where. A failure that is not
 * {@code retryable} ends the step at once: trying again cannot help (a command that does not exist).
 */
public final class StepFailedException extends StepFailure {
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

    @Override
    public List<String> outputTail() {
        return outputTail;
    }

    @Override
    public boolean retryable() {
        return retryable;
    }
}
