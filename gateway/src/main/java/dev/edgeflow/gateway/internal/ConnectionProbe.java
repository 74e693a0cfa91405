package dev.edgeflow.gateway.internal;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;

/**
 * Asks a connector whether it is connected, where it can tell. The core {@code Source} and
 * {@code Sink} interfaces have no such method, so the gateway follows a convention that the
 * network providers already meet: a public no-argument {@code boolean isConnected()} on the
 * connector ({@code MqttSource}, {@code MqttSink}), or on what its public {@code connection()}
 * returns ({@code AwsIotSource}, {@code AwsIotSink}: {@code AwsIotConnection.isConnected()}).
 * Any other connector's state is unknown, and is reported as unknown rather than guessed.
 */
final class ConnectionProbe {
    private static final ConnectionProbe UNKNOWN = new ConnectionProbe(null, null);

    private final Object target;
    private final Method isConnected;

    private ConnectionProbe(Object target, Method isConnected) {
        this.target = target;
        this.isConnected = isConnected;
    }

    static ConnectionProbe of(Object connector) {
        Method direct = isConnectedOf(connector.getClass());
        if (direct != null) {
            return new ConnectionProbe(connector, direct);
        }
        try {
            Method connection = connector.getClass().getMethod("connection");
            if (connection.getParameterCount() == 0 && Modifier.isPublic(connection.getDeclaringClass().getModifiers())) {
                Object c = connection.invoke(connector);
                Method m = c == null ? null : isConnectedOf(c.getClass());
                if (m != null) {
                    return new ConnectionProbe(c, m);
                }
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            return UNKNOWN;
        }
        return UNKNOWN;
    }

    private static Method isConnectedOf(Class<?> type) {
        try {
            Method m = type.getMethod("isConnected");
            return m.getReturnType() == boolean.class && Modifier.isPublic(m.getDeclaringClass().getModifiers())
                    ? m : null;
        } catch (NoSuchMethodException | SecurityException e) {
            return null;
        }
    }

    /** @return whether the connector reports its connection state at all */
    boolean known() {
        return isConnected != null;
    }

    /** @return {@code TRUE} or {@code FALSE} as the connector says, or null when it cannot tell */
    Boolean connected() {
        if (isConnected == null) {
            return null;
        }
        try {
            return (Boolean) isConnected.invoke(target);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
