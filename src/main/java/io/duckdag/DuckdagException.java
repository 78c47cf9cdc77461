package io.duckdag;

/**
 * The one family of errors a user sees. The message is the sentence printed on stderr;
 * the exit code is what the command line returns. Mapped to output in exactly one place
 * (the CLI's entry point).
 */
public class DuckdagException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final ExitCode exitCode;

    public DuckdagException(ExitCode exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public DuckdagException(ExitCode exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public ExitCode exitCode() {
        return exitCode;
    }

    /** A command line the user typed wrong: exit code 2, nothing changed. */
    public static DuckdagException usage(String message) {
        return new DuckdagException(ExitCode.INVALID, message);
    }
}
