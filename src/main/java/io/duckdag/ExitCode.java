package io.duckdag;

/** The exit codes of the command line, as the spec defines them. */
public enum ExitCode {
    OK(0),
    STEP_FAILED(1),
    INVALID(2),
    LOCKED(3),
    INTERRUPTED(130);

    private final int code;

    ExitCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
