package dev.edgeflow.pi4j.internal;

/** Build-time checks shared by the actuators' builders, with messages that say how to fix the value. */
public final class OutputChecks {
    private OutputChecks() {
    }

    /** Fails unless the name is present and not blank; {@code example} shows a good one. */
    public static void requireName(String name, String what, String example) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException(what + " name is " + (name == null ? "missing" : "empty")
                    + ": name it, such as name(\"" + example + "\")");
        }
    }

    /** Fails unless the pin was set to 0 or more. */
    public static void requirePin(int pin, String what, String name) {
        if (pin < 0) {
            throw new IllegalArgumentException(what + " '" + name + "' has " + (pin == -1 ? "no pin" : "pin " + pin)
                    + ": set pin(bcm) to its GPIO number, such as pin(17)");
        }
    }
}
