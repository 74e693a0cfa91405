package dev.edgeflow.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * The {@code edgeflow} command's entry point: {@code java -jar edgeflow-cli.jar <command> ...}.
 * {@code edgeflow --help} lists the commands, {@code edgeflow <command> --help} their options;
 * {@link ExitCodes} lists what the exit status means.
 *
 * <p>The command's own output (results, progress, status lines) goes to standard output;
 * errors and the log go to standard error.
 *
 * @since 0.1.0
 */
public final class Main {
    /** The system property the log configuration reads for edgeflow's own loggers. */
    static final String LOG_LEVEL_PROPERTY = "edgeflow.log.level";

    private Main() {
    }

    /**
     * Runs a command and exits with its {@linkplain ExitCodes exit code}.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /**
     * Runs a command without exiting.
     *
     * @param args the command line
     * @param out where the command's output goes
     * @param err where errors go
     * @return the exit code, one of {@link ExitCodes}
     */
    static int execute(String[] args, PrintWriter out, PrintWriter err) {
        return commandLine(out, err).execute(args);
    }

    /**
     * Builds the command line with edgeflow's error handling: a bad argument prints its message and
     * a hint at {@code --help} and gives {@link ExitCodes#USAGE}; a failure while running prints its
     * message (the stack trace only with {@code --verbose}) and gives {@link ExitCodes#FAILURE}.
     */
    static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new EdgeflowCommand());
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionStrategy(Main::executeWithLogging);
        cl.setParameterExceptionHandler((e, args) -> {
            CommandLine failed = e.getCommandLine();
            PrintWriter w = failed.getErr();
            w.println(failed.getCommandSpec().qualifiedName() + ": " + e.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(e, w);
            w.println("Try '" + failed.getCommandSpec().qualifiedName() + " --help' for more information.");
            w.flush();
            return ExitCodes.USAGE;
        });
        cl.setExecutionExceptionHandler((e, failed, parseResult) -> {
            PrintWriter w = failed.getErr();
            String name = failed.getCommandSpec().qualifiedName();
            if (e instanceof IllegalArgumentException) {
                // A value the providers' builders refused: a usage error, found after parsing.
                w.println(name + ": " + e.getMessage());
                w.println("Try '" + name + " --help' for more information.");
                w.flush();
                return ExitCodes.USAGE;
            }
            w.println(name + ": " + describe(e));
            if (verbose(parseResult)) {
                e.printStackTrace(w);
            }
            w.flush();
            return ExitCodes.FAILURE;
        });
        return cl;
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.toString() : message;
    }

    /**
     * Sets the level of edgeflow's loggers before anything logs, and so before the log
     * configuration is read: DEBUG with {@code --verbose}, INFO for the long-running commands
     * whose log is their journal, WARN for one-shot commands whose output says what happened.
     * {@code -Dedgeflow.log.level=...} in {@code JAVA_OPTS} wins over both.
     */
    private static int executeWithLogging(ParseResult parseResult) {
        if (System.getProperty(LOG_LEVEL_PROPERTY) == null) {
            Object leaf = leaf(parseResult).commandSpec().userObject();
            String level = verbose(parseResult) ? "DEBUG" : leaf instanceof LongRunning ? "INFO" : "WARN";
            System.setProperty(LOG_LEVEL_PROPERTY, level);
        }
        return new CommandLine.RunLast().execute(parseResult);
    }

    private static ParseResult leaf(ParseResult parseResult) {
        ParseResult r = parseResult;
        while (r.hasSubcommand()) {
            r = r.subcommand();
        }
        return r;
    }

    private static boolean verbose(ParseResult parseResult) {
        return parseResult.commandSpec().root().userObject() instanceof EdgeflowCommand top && top.verbose;
    }

    /** A command that runs until stopped, whose log at INFO is what an operator reads. */
    interface LongRunning {
    }
}
