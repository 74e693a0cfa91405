package dev.edgeflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LogConfiguratorTest {
    private final LoggerContext context = new LoggerContext();

    @AfterEach
    void clearProperties() {
        System.clearProperty(Main.LOG_LEVEL_PROPERTY);
        System.clearProperty("edgeflow.readings.level");
        System.clearProperty(LogConfigurator.CONFIGURATION_FILE_PROPERTY);
        context.stop();
    }

    @Test
    void logsOneLinePerEventOnStandardErrorWithEdgeflowAtTheCommandsLevelAndOthersAtWarn() {
        System.setProperty(Main.LOG_LEVEL_PROPERTY, "WARN");

        assertThat(configure()).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);

        assertThat(context.getLogger("dev.edgeflow.gateway.Gateway").getEffectiveLevel()).isEqualTo(Level.WARN);
        assertThat(context.getLogger("com.hivemq.client.internal.Whatever").getEffectiveLevel()).isEqualTo(Level.WARN);
        assertThat(context.getLogger("io.grpc.netty").getEffectiveLevel()).isEqualTo(Level.WARN);
        ConsoleAppender<?> stderr = (ConsoleAppender<?>) context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDERR");
        assertThat(stderr.getTarget()).isEqualTo("System.err");
        assertThat(stderr.isStarted()).isTrue();

        @SuppressWarnings("unchecked")
        Encoder<LoggingEvent> encoder = (Encoder<LoggingEvent>) (Encoder<?>) stderr.getEncoder();
        Logger logger = context.getLogger("dev.edgeflow.gateway.Gateway");
        LoggingEvent event = new LoggingEvent("test", logger, Level.WARN, "route {} stalled", null, new Object[] {"readings"});
        String line = new String(encoder.encode(event), StandardCharsets.UTF_8);
        assertThat(line).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} WARN  Gateway      route readings stalled\\R");
    }

    @Test
    void edgeflowLoggersFollowTheLevelPropertyAndTheReadingsLoggerItsOwn() {
        System.setProperty(Main.LOG_LEVEL_PROPERTY, "DEBUG");
        System.setProperty("edgeflow.readings.level", "ERROR");

        configure();

        assertThat(context.getLogger("dev.edgeflow.mqtt.MqttSource").getEffectiveLevel()).isEqualTo(Level.DEBUG);
        assertThat(context.getLogger("edgeflow.demo").getEffectiveLevel()).isEqualTo(Level.DEBUG);
        assertThat(context.getLogger("edgeflow.demo.readings").getEffectiveLevel()).isEqualTo(Level.ERROR);
    }

    @Test
    void withoutTheLevelPropertyEdgeflowLogsAtInfo() {
        configure();

        assertThat(context.getLogger("dev.edgeflow.core.Pipeline").getEffectiveLevel()).isEqualTo(Level.INFO);
        assertThat(context.getLogger("edgeflow.demo.readings").getEffectiveLevel()).isEqualTo(Level.INFO);
    }

    @Test
    void aConfigurationFileTheUserNamesIsLeftToLogback() {
        System.setProperty(LogConfigurator.CONFIGURATION_FILE_PROPERTY, "/etc/edgeflow/logback.xml");

        assertThat(configure()).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);

        assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders().hasNext()).isFalse();
    }

    private ExecutionStatus configure() {
        LogConfigurator configurator = new LogConfigurator();
        configurator.setContext(context);
        return configurator.configure(context);
    }
}
