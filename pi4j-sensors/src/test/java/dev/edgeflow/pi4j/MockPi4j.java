package dev.edgeflow.pi4j;

import com.pi4j.Pi4J;
import com.pi4j.config.AddressConfig;
import com.pi4j.context.Context;
import com.pi4j.io.IO;
import com.pi4j.plugin.mock.platform.MockPlatform;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalInput;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalInputProvider;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalOutput;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalOutputProvider;
import com.pi4j.plugin.mock.provider.pwm.MockPwm;
import com.pi4j.plugin.mock.provider.pwm.MockPwmProvider;

/**
 * Pi4J 2.8.0 contexts on the mock platform, and the mock I/O behind a pin. The mock plugin needs
 * nothing else (not pi4j-plugin-raspberrypi): its platform and providers are added explicitly,
 * so no plugin on the classpath is picked up by chance.
 */
final class MockPi4j {
    private MockPi4j() {
    }

    static Context context() {
        return Pi4J.newContextBuilder()
                .add(new MockPlatform())
                .add(MockDigitalInputProvider.newInstance(), MockDigitalOutputProvider.newInstance(),
                        MockPwmProvider.newInstance())
                .build();
    }

    static MockDigitalInput input(Context pi4j, int pin) {
        return io(pi4j, pin, MockDigitalInput.class);
    }

    static MockDigitalOutput output(Context pi4j, int pin) {
        return io(pi4j, pin, MockDigitalOutput.class);
    }

    static MockPwm pwm(Context pi4j, int address) {
        return io(pi4j, address, MockPwm.class);
    }

    private static <T extends IO<?, ?, ?>> T io(Context pi4j, int address, Class<T> type) {
        return pi4j.registry().all().values().stream()
                .filter(type::isInstance)
                .filter(io -> ((AddressConfig<?>) io.config()).address() == address)
                .map(type::cast)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " at address " + address
                        + " in the Pi4J context; it has " + pi4j.registry().all().keySet()));
    }
}
