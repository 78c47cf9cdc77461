package io.duckdag.pipeline;

import io.duckdag.DuckdagException;
import io.duckdag.ExitCode;

/** Something is wrong in a pipeline file, at a known place. Exit code 2. */
public final class PipelineException extends DuckdagException {
    private static final long serialVersionUID = 1L;
    private final transient Location location;
    private final String problem;

    public PipelineException(Location location, String problem) {
        super(ExitCode.INVALID, location + ": " + problem);
        this.location = location;
        this.problem = problem;
    }

    public Location location() {
        return location;
    }

    /** The message without its location. */
    public String problem() {
        return problem;
    }
}
