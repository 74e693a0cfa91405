package dev.edgeflow.cli;

import java.io.PrintWriter;

/**
 * One line per step of multi-step work, as it happens, in a form a person scans and a script
 * greps: {@code   [created] THING  arn:...}. A failed step also says what to do, and
 * {@link #notRun(String)} marks the steps a failure left out, so that the output tells exactly
 * where a run stopped.
 *
 * @since 0.1.0
 */
public final class Progress {
    /** The marks, one per outcome; {@code [FAILED]} in capitals to stand out. */
    static final String DONE = "[done]", CREATED = "[created]", EXISTS = "[exists]", REUSED = "[reused]",
            SKIPPED = "[skipped]", NOT_RUN = "[not run]", FAILED = "[FAILED]";
    private static final int MARK_WIDTH = 10;
    private static final int STEP_WIDTH = 23;

    private final PrintWriter out;

    /**
     * Prints to a writer.
     *
     * @param out where the lines go; flushed after each one
     */
    public Progress(PrintWriter out) {
        this.out = out;
    }

    /**
     * Prints a step that ran an idempotent action (a look-up, an attach, a connection).
     *
     * @param step the step's name
     * @param detail what it did
     */
    public void done(String step, String detail) {
        line(DONE, step, detail);
    }

    /**
     * Prints a step that made something new.
     *
     * @param step the step's name
     * @param detail what it made
     */
    public void created(String step, String detail) {
        line(CREATED, step, detail);
    }

    /**
     * Prints a step whose result was already there and was left as it is.
     *
     * @param step the step's name
     * @param detail what was there
     */
    public void exists(String step, String detail) {
        line(EXISTS, step, detail);
    }

    /**
     * Prints a step that reused what an earlier run made.
     *
     * @param step the step's name
     * @param detail what it reused
     */
    public void reused(String step, String detail) {
        line(REUSED, step, detail);
    }

    /**
     * Prints a step that was left out on purpose.
     *
     * @param step the step's name
     * @param why why
     */
    public void skipped(String step, String why) {
        line(SKIPPED, step, why);
    }

    /**
     * Prints a step that did not run because an earlier one failed.
     *
     * @param step the step's name
     */
    public void notRun(String step) {
        line(NOT_RUN, step, "");
    }

    /**
     * Prints a failed step.
     *
     * @param step the step's name
     * @param reasonAndFix what went wrong and what to do, as the exception says it
     */
    public void failed(String step, String reasonAndFix) {
        line(FAILED, step, reasonAndFix);
    }

    private void line(String mark, String step, String detail) {
        String text = "  " + pad(mark, MARK_WIDTH) + (detail.isEmpty() ? step : pad(step, STEP_WIDTH) + detail);
        out.println(text.stripTrailing());
        out.flush();
    }

    private static String pad(String s, int width) {
        StringBuilder b = new StringBuilder(s).append(' ');
        while (b.length() < width) {
            b.append(' ');
        }
        return b.toString();
    }
}
