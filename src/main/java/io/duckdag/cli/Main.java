package io.duckdag.cli;

import io.duckdag.DuckdagException;
import io.duckdag.ExitCode;
import io.duckdag.kind.Cancellation;
import io.duckdag.kind.StepKinds;
import io.duckdag.steps.StandardKinds;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine;

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
     * when it is added, about 50 ms for eight of these on a cold JVM, so a command line that names
     * one of them gets only that one; anything else (help, a typo, completion) gets them all.
     */
    static final List<Class<?>> SUBCOMMANDS = List.of(RunCommand.class, PlanCommand.class, ValidateCommand.class,
            StatusCommand.class, RunsCommand.class, ReportCommand.class, GraphCommand.class, QueryCommand.class, RollbackCommand.class, GcCommand.class,
            InitCommand.class, SchemaCommand.class, CompletionCommand.class);

    final Map<String, String> env;
    final Clock clock;
    /** Fired by Ctrl-C (or SIGTERM): running steps are cancelled and recorded as interrupted. */
    final Cancellation interrupt = new Cancellation();
    /** The step kinds a pipeline may name: the registry. */
    final StepKinds kinds = StandardKinds.all();
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
                main.interrupt.interrupt();
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
        Optional<Class<?>> named = args.length == 0 ? Optional.empty()
                : SUBCOMMANDS.stream().filter(c -> c.getAnnotation(Command.class).name().equals(args[0])).findFirst();
        CommandLine cli = named.filter(c -> c != CompletionCommand.class)
                .map(c -> new CommandLine(this).addSubcommand(c)).orElseGet(() -> commandLine(this));
        cli.setOut(out);
        cli.setErr(err);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        addHelpOption(cli);
        cli.setParameterExceptionHandler((ex, arguments) -> {
            err.println("error: " + printable(explain(ex)));
            CommandLine at = ex.getCommandLine();
            err.println("Run '" + at.getCommandSpec().qualifiedName() + " --help' to see the options.");
            return ExitCode.INVALID.code();
        });
        cli.setExecutionExceptionHandler((ex, at, parseResult) -> {
            boolean verbose = parseResult.hasMatchedOption("--verbose")
                    || parseResult.subcommands().stream().anyMatch(p -> p.hasMatchedOption("--verbose"));
            if (ex instanceof DuckdagException e) {
                err.println("error: " + printable(e.getMessage()));
                if (verbose) {
                    e.printStackTrace(err);
                }
                return e.exitCode().code();
            }
            if (ex instanceof java.io.UncheckedIOException io) {
                // The system refused a read or write (a full disk, a permission, an I/O error): not a bug.
                err.println("error: " + io.getMessage() + "; the system refused it: free space or fix the permissions there, then run "
                        + "the command again (a run that had started resumes with --resume)");
                if (verbose) {
                    ex.printStackTrace(err);
                }
                return ExitCode.STEP_FAILED.code();
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

    /** The whole command line, every subcommand in it (help and completion need them all). */
    static CommandLine commandLine(Main main) {
        CommandLine cli = new CommandLine(main);
        SUBCOMMANDS.forEach(cli::addSubcommand);
        cli.addSubcommand(CommandLine.HelpCommand.class);
        return cli;
    }

    /** {@code -h/--help} on every command (the top one has it with --version already). */
    static void addHelpOption(CommandLine cli) {
        for (CommandLine sub : cli.getSubcommands().values()) {
            CommandLine.Model.CommandSpec spec = sub.getCommandSpec();
            if (!spec.helpCommand() && spec.findOption("--help") == null) {
                spec.addOption(CommandLine.Model.OptionSpec.builder("-h", "--help").usageHelp(true)
                        .description("Show this help and exit.").build());
            }
            addHelpOption(sub);
        }
    }

    /** Picocli's message, with a did-you-mean for a misspelt command or option, and KEY=VALUE spelt out. */
    /** A message with any control character but a line break shown as '?': what a user typed must not drive the terminal. */
    static String printable(String message) {
        return message == null ? "" : message.replaceAll("[\\p{Cntrl}&&[^\\n]]", "?");
    }

    static String explain(CommandLine.ParameterException ex) {
        CommandLine at = ex.getCommandLine();
        if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
            String word = u.getUnmatched().get(0);
            if (word.startsWith("-")) {
                String name = word.contains("=") ? word.substring(0, word.indexOf('=')) : word;
                java.util.List<String> options = at.getCommandSpec().options().stream().flatMap(o -> java.util.Arrays.stream(o.names())).toList();
                return "unknown option '" + name + "' for '" + at.getCommandSpec().qualifiedName() + "'"
                        + io.duckdag.pipeline.Suggestions.hint(name, options);
            }
            if (at.getCommandSpec().subcommands().containsKey(word) || at.getSubcommands().isEmpty()) {
                return "unexpected argument '" + word + "' for '" + at.getCommandSpec().qualifiedName() + "'"
                        + (u.getUnmatched().size() > 1 ? " (and " + (u.getUnmatched().size() - 1) + " more)" : "");
            }
            java.util.List<String> commands = at.getSubcommands().keySet().stream().toList();
            return "unknown command '" + word + "'" + io.duckdag.pipeline.Suggestions.closest(word, commands)
                    .map(c -> " (did you mean '" + c + "'?)").orElse("") + "; the commands are " + String.join(", ", commands);
        }
        if (ex.getArgSpec() instanceof CommandLine.Model.OptionSpec o && o.longestName().equals("--param")) {
            return "--param takes KEY=VALUE, one param per --param (e.g. --param day=2024-06-30); "
                    + ex.getMessage().replaceFirst("^.*but was ", "got ");
        }
        return ex.getMessage();
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is missing; try 'duckdag run FILE', 'duckdag plan FILE' or 'duckdag --help'");
    }
}
