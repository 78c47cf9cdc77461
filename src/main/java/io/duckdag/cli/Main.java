package io.duckdag.cli;

import io.duckdag.DuckdagException;
import io.duckdag.ExitCode;
import io.duckdag.steps.Cancellation;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The command line. {@link #run} returns an exit code and writes only to the writers it is
 * given, so tests run the whole CLI in-process. Errors become exit codes here and nowhere else.
 */
@Command(name = "duckdag",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Runs pipelines that keep a Parquet lake sorted, compacted, verified and queryable with DuckDB.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:success",
                "1:a step failed (the run can be resumed)",
                "2:invalid command line or pipeline (nothing was changed)",
                "3:another run of the same pipeline holds its lock",
                "130:interrupted (the run can be resumed)"})
public final class Main implements Runnable {
    static final long INTERRUPT_GRACE_SECONDS = 30;

    /**
     * The subcommands, in the order help lists them. picocli builds a command's model by reflection
     * when it is added, about 50 ms for all of these on a cold JVM, so a command line that names
     * one of them gets only that one; anything else (help, a typo) gets them all.
     */
    static final List<Class<?>> SUBCOMMANDS = List.of(RunCommand.class, PlanCommand.class, ValidateCommand.class,
            StatusCommand.class, RunsCommand.class, GraphCommand.class, RollbackCommand.class, GcCommand.class);

    final Map<String, String> env;
    final Clock clock;
    /** Fired by Ctrl-C (or SIGTERM): running steps are cancelled and recorded as interrupted. */
    final Cancellation interrupt = new Cancellation();
    PrintWriter out;
    PrintWriter err;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public Main(Map<String, String> env, Clock clock) {
        this.env = Map.copyOf(env);
        this.clock = clock;
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        Main main = new Main(System.getenv(), Clock.systemDefaultZone());
        CountDownLatch finished = new CountDownLatch(1);
        // On Ctrl-C the JVM runs this hook while the run goes on: cancel the running steps and
        // wait for them to be recorded as interrupted, so that the run can be resumed.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (finished.getCount() > 0) {
                main.interrupt.cancel("interrupted");
                try {
                    finished.await(INTERRUPT_GRACE_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }, "duckdag-interrupt"));
        int code;
        try {
            code = main.execute(out, err, args);
        } finally {
            out.flush();
            err.flush();
            finished.countDown();
        }
        System.exit(code);
    }

    /** Runs the command line with the real environment and clock. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return new Main(System.getenv(), Clock.systemDefaultZone()).execute(out, err, args);
    }

    public int execute(PrintWriter out, PrintWriter err, String... args) {
        this.out = out;
        this.err = err;
        CommandLine cli = new CommandLine(this);
        Optional<Class<?>> named = args.length == 0 ? Optional.empty()
                : SUBCOMMANDS.stream().filter(c -> c.getAnnotation(Command.class).name().equals(args[0])).findFirst();
        if (named.isPresent()) {
            cli.addSubcommand(named.get());
        } else {
            SUBCOMMANDS.forEach(cli::addSubcommand);
            cli.addSubcommand(CommandLine.HelpCommand.class);
        }
        cli.setOut(out);
        cli.setErr(err);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setParameterExceptionHandler((ex, arguments) -> {
            err.println("error: " + ex.getMessage());
            CommandLine at = ex.getCommandLine();
            err.println("Run '" + at.getCommandSpec().qualifiedName() + " --help' to see the options.");
            return ExitCode.INVALID.code();
        });
        cli.setExecutionExceptionHandler((ex, at, parseResult) -> {
            boolean verbose = parseResult.hasMatchedOption("--verbose")
                    || parseResult.subcommands().stream().anyMatch(p -> p.hasMatchedOption("--verbose"));
            if (ex instanceof DuckdagException e) {
                err.println("error: " + e.getMessage());
                if (verbose) {
                    e.printStackTrace(err);
                }
                return e.exitCode().code();
            }
            err.println("error: internal error, a bug in duckdag: " + ex);
            err.println("Please report it with the command you ran; --verbose prints the stack trace.");
            if (verbose) {
                ex.printStackTrace(err);
            }
            return ExitCode.STEP_FAILED.code();
        });
        int code = cli.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is missing; try 'duckdag run FILE', 'duckdag plan FILE' or 'duckdag --help'");
    }
}
