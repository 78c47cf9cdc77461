package io.duckdag.lake;

import io.duckdag.StepFailure;

/** The lake is not as a step needs it (a changed input, a bad file name, a failed check); the step fails with this message. */
public final class LakeException extends StepFailure {
    private static final long serialVersionUID = 1L;

    public LakeException(String message) {
        super(message);
    }
}
