package dev.edgeflow.cli;

/**
 * The exit codes of the {@code edgeflow} command. Each says what happened, so that a script or
 * systemd ({@code RestartPreventExitStatus=}) can tell a failure worth retrying from one that
 * needs a person.
 *
 * <table>
 *   <caption>exit codes</caption>
 *   <tr><th>code</th><th>meaning</th></tr>
 *   <tr><td>0</td><td>{@link #OK}</td></tr>
 *   <tr><td>1</td><td>{@link #FAILURE}</td></tr>
 *   <tr><td>2</td><td>{@link #USAGE}</td></tr>
 *   <tr><td>3</td><td>{@link #INVALID_CONFIG}</td></tr>
 *   <tr><td>4</td><td>{@link #NOT_DRAINED}</td></tr>
 * </table>
 *
 * <p>A command other than {@code run} that is stopped by a signal ends as the JVM does:
 * 130 after Ctrl-C (SIGINT), 143 after SIGTERM.
 *
 * @since 0.1.0
 */
public final class ExitCodes {
    /** The command did what it was asked; {@code run} stopped cleanly with everything drained. */
    public static final int OK = 0;
    /**
     * The command failed while running: the cloud refused a call, a peer could not be reached, a
     * file could not be written, a gateway failed after it started. Running it again may succeed.
     */
    public static final int FAILURE = 1;
    /** The command line was wrong: an unknown option, a missing or bad value. Nothing was done. */
    public static final int USAGE = 2;
    /** The gateway file is not valid (or cannot be read); every problem is printed as {@code file:line:column: message}. */
    public static final int INVALID_CONFIG = 3;
    /**
     * {@code run} was stopped, but messages were still in flight at the {@code --drain} deadline;
     * those not in the spool were nacked to their source, which delivers them again.
     */
    public static final int NOT_DRAINED = 4;

    private ExitCodes() {
    }
}
