package dev.edgeflow.examples;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The command line of the examples: {@code --name value} or {@code --name=value}, some names
 * repeatable, and switches that take no value ({@code --wildcard-policy}). Errors name the
 * argument and what it takes.
 */
final class ExampleArgs {
    private final Map<String, List<String>> values;
    private final boolean help;

    private ExampleArgs(Map<String, List<String>> values, boolean help) {
        this.values = values;
        this.help = help;
    }

    /**
     * Parses arguments.
     *
     * @param args the command line
     * @param known the names it takes, such as {@code --project}
     * @return the parsed arguments
     * @throws IllegalArgumentException for an unknown name or a name without a value
     */
    static ExampleArgs parse(String[] args, Set<String> known) {
        return parse(args, known, Set.of());
    }

    /**
     * Parses arguments, some of them switches without a value.
     *
     * @param args the command line
     * @param known the names that take a value, such as {@code --thing}
     * @param switches the names that take none, such as {@code --wildcard-policy}; {@link #on(String)} tells
     * @return the parsed arguments
     * @throws IllegalArgumentException for an unknown name or a name without a value
     */
    static ExampleArgs parse(String[] args, Set<String> known, Set<String> switches) {
        Map<String, List<String>> values = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                return new ExampleArgs(Map.of(), true);
            }
            if (switches.contains(arg)) {
                values.computeIfAbsent(arg, k -> new ArrayList<>()).add("true");
                continue;
            }
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            } else if (i + 1 < args.length) {
                value = args[++i];
            }
            if (!known.contains(name)) {
                throw new IllegalArgumentException("unknown argument '" + arg + "'");
            }
            if (value == null || value.isEmpty()) {
                throw new IllegalArgumentException(name + " needs a value");
            }
            values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return new ExampleArgs(values, false);
    }

    boolean help() {
        return help;
    }

    /** Whether a switch was given. */
    boolean on(String name) {
        return values.containsKey(name);
    }

    /** Whether any of these names was given. */
    boolean anyOf(Set<String> names) {
        return names.stream().anyMatch(values::containsKey);
    }

    String get(String name, String orElse) {
        List<String> v = values.get(name);
        return v == null ? orElse : v.get(v.size() - 1);
    }

    List<String> all(String name, List<String> orElse) {
        List<String> v = values.get(name);
        return v == null ? orElse : List.copyOf(v);
    }

    Path path(String name) {
        String v = get(name, null);
        return v == null ? null : Path.of(v);
    }

    long wholeNumber(String name, long orElse, long min, long max) {
        String v = get(name, null);
        if (v == null) {
            return orElse;
        }
        try {
            long n = Long.parseLong(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + " is '" + v + "': use a whole number from " + min + " to " + max);
    }

    /**
     * Opens Pub/Sub from {@code --project}, {@code --emulator} and {@code --credentials}.
     *
     * @return the environment
     */
    PubSubEnvironment pubSub() {
        return PubSubEnvironment.open(get("--project", null), get("--emulator", null), path("--credentials"));
    }

    /** The options every Pub/Sub example takes, for its usage text. */
    static final String PUBSUB_USAGE = String.join(System.lineSeparator(),
            "  --emulator <host:port>  a running Pub/Sub emulator",
            "  --project <id>          the project; without --emulator and PUBSUB_EMULATOR_HOST this is Google",
            "                          Cloud, with --credentials <service-account.json> or application-default",
            "                          credentials",
            "  (none of these: the Pub/Sub emulator is started on a free local port and stopped at the end)");

    /** Prints an error and the usage, and exits with 2. */
    static void exitWithUsage(String program, String message, String usage) {
        System.err.println(program + ": " + message);
        System.err.println(usage);
        System.exit(2);
    }

    /** A program's body, for {@link #runAndExit}: returns the exit code. */
    interface Program {
        int run() throws InterruptedException;
    }

    /**
     * Runs a program's body as {@link #runAndExit} does, and on Ctrl-C or SIGTERM interrupts it
     * and waits up to 15 s for it to finish, so that a program that drives outputs can switch
     * them off and one that publishes can drain. The body treats an interrupt as "stop now,
     * cleanly" ({@link #waitUnlessStopped(long)}).
     *
     * @param program the program's name, for the messages
     * @param usage its usage text
     * @param body what it does
     */
    static void runAndExitOnSignal(String program, String usage, Program body) {
        Thread main = Thread.currentThread();
        CountDownLatch finished = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            main.interrupt();
            try {
                finished.await(15, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, program + "-shutdown"));
        runAndExit(program, usage, () -> {
            try {
                return body.run();
            } finally {
                finished.countDown();
            }
        });
    }

    /**
     * Waits, unless the thread is told to stop.
     *
     * @param millis how long
     * @return {@code true} if the wait was interrupted (the interrupt is consumed, so that the
     *     caller can go on to stop cleanly), else {@code false}
     */
    static boolean waitUnlessStopped(long millis) {
        try {
            Thread.sleep(millis);
            return false;
        } catch (InterruptedException e) {
            return true;
        }
    }

    /**
     * Runs a program's body and exits with its code: a bad argument prints the usage and exits
     * with 2, any other failure prints its message and exits with 1.
     *
     * @param program the program's name, for the messages
     * @param usage its usage text
     * @param body what it does
     */
    static void runAndExit(String program, String usage, Program body) {
        int code;
        try {
            code = body.run();
        } catch (IllegalArgumentException e) {
            exitWithUsage(program, e.getMessage(), usage);
            return;
        } catch (RuntimeException e) {
            System.err.println(program + ": " + e.getMessage());
            code = 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            code = 1;
        }
        System.exit(code);
    }
}
