package io.duckdag.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

/** Runs the whole CLI in-process with captured output, a fixed clock and a small environment. */
final class CliRunner {
    static final Clock CLOCK = Clock.fixed(Instant.parse("2024-06-30T01:02:03.004Z"), ZoneOffset.UTC);
    static final Map<String, String> ENV = Map.of("HOME", "/home/analyst");

    record Result(int exitCode, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = new Main(ENV, CLOCK).execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    private CliRunner() {
    }
}
