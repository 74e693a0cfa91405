package dev.edgeflow.timeseries.jdbc.internal;

import dev.edgeflow.timeseries.TimeSeriesException;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;

/**
 * Turns an {@link SQLException} into a {@link TimeSeriesException} that says what failed, how to
 * fix it, and whether the same call may succeed later.
 *
 * <p>The SQLState decides, since it is the same on H2, PostgreSQL and the pool: class 08
 * (connection), 40 (serialization, deadlock), 53 (too many connections, disk full), 57P (server
 * shutting down or starting) and timeouts are retryable; 28 (authentication), 3D (no such
 * database), 42501 (no privilege), 22 (a value the column cannot take) and 23 (a constraint)
 * are not. Without a state the exception's type decides ({@link SQLTransientException} and
 * {@link SQLRecoverableException} are retryable).
 */
public final class SqlFailures {
    /** H2's error 90020: the database file is open in another process. */
    private static final String H2_FILE_IN_USE = "90020";

    private SqlFailures() {
    }

    /**
     * Translates a failure.
     *
     * @param store the store's name, such as {@code postgresql://db:5432/iot}
     * @param action what was being done, such as {@code write a batch of 500 readings}
     * @param user the database user, for the messages about credentials and privileges
     * @param table the table
     * @param e the failure
     * @return the exception to throw
     */
    public static TimeSeriesException translate(String store, String action, String user, String table,
            SQLException e) {
        String state = state(e);
        String detail = detail(e, state);
        String head = store + ": cannot " + action + ": ";
        if (state.startsWith("08") || state.startsWith("57P") || state.startsWith("53")) {
            return new TimeSeriesException(head + "the database is unreachable or not accepting connections ("
                    + detail + "); check that the server is running and reachable. Retrying may succeed.", e, true);
        }
        if (isTimeout(state)) {
            return new TimeSeriesException(head + "the database did not answer in time (" + detail + "); it is "
                    + "overloaded, or the query covers too much. Retrying may succeed.", e, true);
        }
        if (state.startsWith("40")) {
            return new TimeSeriesException(head + "the transaction conflicted with another one (" + detail
                    + "). Retrying will normally succeed.", e, true);
        }
        if (state.startsWith("28")) {
            return new TimeSeriesException(head + "the database refused user '" + user + "' (" + detail + "); check "
                    + "the user name and password given to JdbcTimeSeriesStore.", e, false);
        }
        if (state.startsWith("3D")) {
            return new TimeSeriesException(head + "the database does not exist (" + detail + "); create it (CREATE "
                    + "DATABASE) or fix the database name in the JDBC URL.", e, false);
        }
        if (state.equals("42501")) {
            return new TimeSeriesException(head + "user '" + user + "' lacks a privilege on " + table + " (" + detail
                    + "); GRANT SELECT, INSERT ON " + table + " TO " + user + "; GRANT SELECT, INSERT, UPDATE ON "
                    + table + "_devices TO " + user + "; or let the store create the tables as a user who may (it "
                    + "needs CREATE on the schema).", e, false);
        }
        if (state.startsWith("22")) {
            return new TimeSeriesException(head + "the database refused a value (" + detail + "); device ids and "
                    + "field names are at most 255 characters. Nothing of the batch was stored.", e, false);
        }
        if (state.startsWith("23")) {
            return new TimeSeriesException(head + "a row broke a constraint of " + table + " (" + detail + "); the "
                    + "table may have been made by something else than JdbcTimeSeriesStore. Nothing of the batch "
                    + "was stored.", e, false);
        }
        if (state.equals(H2_FILE_IN_USE)) {
            return new TimeSeriesException(head + "the database file is open in another process (" + detail + "); "
                    + "stop that process, or open the file through one store only.", e, false);
        }
        boolean retryable = state.isEmpty() ? isTransientType(e) : false;
        return new TimeSeriesException(head + detail + (retryable ? ". Retrying may succeed." : ""), e, retryable);
    }

    /**
     * Tells whether a failure means the connection is gone or cannot be made.
     *
     * @param e the failure
     * @return true for SQLState class 08 and server shutdowns (57P)
     */
    public static boolean isConnectionFailure(SQLException e) {
        String state = state(e);
        return state.startsWith("08") || state.startsWith("57P");
    }

    private static boolean isTimeout(String state) {
        // 57014: PostgreSQL's and H2's statement cancelled (the query timeout), HYT00: H2's lock
        // timeout, HY008: an operation cancelled.
        return state.equals("57014") || state.equals("HYT00") || state.equals("HY008");
    }

    private static boolean isTransientType(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientException || t instanceof SQLRecoverableException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Returns the first SQLState in the chain: the pool's own exception carries its cause's.
     *
     * @param e the failure
     * @return the state, or an empty string if there is none
     */
    public static String state(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException) {
                SQLException sql = (SQLException) t;
                for (SQLException next = sql; next != null; next = next.getNextException()) {
                    if (next.getSQLState() != null && !next.getSQLState().isBlank()) {
                        return next.getSQLState();
                    }
                    if (next.getNextException() == next) {
                        break;
                    }
                }
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return "";
    }

    private static String detail(SQLException e, String state) {
        // A batch failure's own message is "Batch entry 3 ... was aborted"; the reason is in the
        // next exception.
        SQLException reason = e;
        if (e.getNextException() != null && e.getNextException() != e) {
            reason = e.getNextException();
        }
        String message = reason.getMessage() == null ? reason.getClass().getSimpleName() : reason.getMessage();
        message = message.strip();
        return state.isEmpty() ? message : message + " [SQLState " + state + "]";
    }
}
