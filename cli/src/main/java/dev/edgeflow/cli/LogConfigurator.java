package dev.edgeflow.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * The {@code edgeflow} command's log: one line per event on standard error, so that standard
 * output holds only the command's own output. The level of edgeflow's loggers comes from
 * {@code -Dedgeflow.log.level} (in {@code JAVA_OPTS}), else from the command (see
 * {@link Main}): INFO for {@code run} and {@code demo}, whose log is their journal, WARN for the
 * one-shot commands, DEBUG with {@code --verbose}. Other libraries log at WARN.
 *
 * <p>Set in code rather than in a {@code logback.xml}: reading an XML file loads some 300 more
 * classes at every start (logback's Joran and the JDK's XML parser), for a configuration that
 * never changes. A user who wants another log passes
 * {@code -Dlogback.configurationFile=<file>}, and logback reads that file instead.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class LogConfigurator extends ContextAwareBase implements Configurator {
    /** The system property with which logback is given a configuration file. */
    static final String CONFIGURATION_FILE_PROPERTY = "logback.configurationFile";

    /** The layout of a log line. */
    static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %-12logger{0} %msg%n";

    /** Called by logback through {@link java.util.ServiceLoader}. */
    public LogConfigurator() {
    }

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty(CONFIGURATION_FILE_PROPERTY) != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY; // logback's own configurator reads the user's file
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();

        Level edgeflow = Level.toLevel(System.getProperty(Main.LOG_LEVEL_PROPERTY), Level.INFO);
        context.getLogger("dev.edgeflow").setLevel(edgeflow);
        context.getLogger("edgeflow").setLevel(edgeflow);
        context.getLogger("edgeflow.demo.readings")
                .setLevel(Level.toLevel(System.getProperty("edgeflow.readings.level"), edgeflow));
        context.getLogger("com.hivemq").setLevel(Level.WARN);
        context.getLogger("migrations").setLevel(Level.WARN);
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(stderr);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
