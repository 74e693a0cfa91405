package dev.edgeflow.timeseries.jdbc.internal;

import com.zaxxer.hikari.HikariConfig;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.ZoneId;
import java.util.Locale;
import java.util.Optional;

/**
 * The few places where H2 and PostgreSQL need different SQL. Everything else (the table, the
 * queries, STDDEV_POP, the window of a query) is the same standard SQL on both.
 */
public interface Dialect {

    /**
     * Returns the dialect's short name, which starts the store's {@code name()}.
     *
     * @return {@code h2} or {@code postgresql}
     */
    String kind();

    /**
     * Returns the column {@code value} as this database must be told it: H2 2.x reserves the
     * word VALUE, so there it is quoted (in upper case, as H2 stores unquoted names).
     *
     * @return the column's name in SQL
     */
    String valueColumn();

    /**
     * Returns the statement that writes one row, with the parameters device, time, field, value
     * and tags in that order. A row whose key (device, time, field) is already stored is left
     * as it is, so that a batch written again after a lost commit acknowledgement is stored once.
     *
     * @param table the validated table name
     * @return the SQL
     */
    String insert(String table);

    /**
     * Returns the statement that records a device's newest time in the devices table, with the
     * parameters device and time. A time older than the one recorded leaves it as it is.
     *
     * @param devices the devices table's name
     * @return the SQL
     */
    String upsertLastSeen(String devices);

    /**
     * Returns the statement that fills the devices table from a readings table that was there
     * before it: every device with its newest time, leaving devices already recorded alone.
     *
     * @param devices the devices table's name
     * @param table the readings table's name
     * @return the SQL
     */
    String backfillLastSeen(String devices, String table);

    /**
     * Switches the session between computing a query's whole result before its first row
     * (H2's default) and producing rows as they are read, so that reading a few rows of an
     * index-ordered scan stops the scan. Databases that stream anyway do nothing.
     *
     * @param connection the connection
     * @param lazy whether rows come as they are read
     * @throws SQLException if the database refuses
     */
    default void lazyQueries(Connection connection, boolean lazy) throws SQLException {
    }

    /**
     * Returns whether {@link #lazyQueries} makes the newest rows of a device cheap to stream
     * backwards along the primary key. Otherwise {@code recent} asks for the newest distinct
     * times in a subquery, which PostgreSQL answers from the index with a backward scan.
     *
     * @return whether to stream
     */
    default boolean streamsNewestFirst() {
        return false;
    }

    /**
     * Returns an SQL expression of type DATE: the calendar day of {@code column} in a time zone
     * given as the expression's one parameter.
     *
     * @param column a TIMESTAMP WITH TIME ZONE column
     * @param zone the zone the parameter will hold, which decides the expression's form
     * @return the expression, with one {@code ?}
     */
    String localDay(String column, ZoneId zone);

    /**
     * Returns the value to bind to the parameter of {@link #localDay(String, ZoneId)}.
     *
     * @param zone the zone
     * @return a string the database reads as that zone
     */
    String zoneArgument(ZoneId zone);

    /**
     * Returns an ORDER BY item that sorts text by code point, as Java's {@code String} order does
     * (for every character outside the supplementary planes), whatever the database's collation.
     *
     * @param column a text column
     * @return the item
     */
    String binaryOrder(String column);

    /**
     * Adds the driver settings this dialect wants to a pool's configuration.
     *
     * @param config the pool's configuration
     * @param queryTimeoutSeconds the store's query timeout
     */
    void configure(HikariConfig config, int queryTimeoutSeconds);

    /**
     * Runs after the table exists, on a connection in auto-commit mode: what this database adds
     * to the plain table.
     *
     * @param connection the connection
     * @param table the validated table name
     * @throws SQLException if the connection fails; a refused optional step is logged, not thrown
     */
    void afterCreate(Connection connection, String table) throws SQLException;

    /**
     * Picks the dialect of a JDBC URL.
     *
     * @param jdbcUrl such as {@code jdbc:h2:file:/var/lib/edgeflow/readings}
     * @return the dialect, or empty for a database that is neither H2 nor PostgreSQL
     */
    static Optional<Dialect> ofUrl(String jdbcUrl) {
        String url = jdbcUrl.toLowerCase(Locale.ROOT);
        if (url.startsWith("jdbc:h2:")) {
            return Optional.of(new H2Dialect());
        }
        if (url.startsWith("jdbc:postgresql:")) {
            return Optional.of(new PostgresDialect());
        }
        return Optional.empty();
    }

    /**
     * Picks the dialect of a connection's database.
     *
     * @param productName {@code DatabaseMetaData.getDatabaseProductName()}
     * @return the dialect, or empty for a database that is neither H2 nor PostgreSQL
     */
    static Optional<Dialect> ofProduct(String productName) {
        String product = productName == null ? "" : productName.toLowerCase(Locale.ROOT);
        if (product.equals("h2")) {
            return Optional.of(new H2Dialect());
        }
        if (product.equals("postgresql")) {
            return Optional.of(new PostgresDialect());
        }
        return Optional.empty();
    }
}
