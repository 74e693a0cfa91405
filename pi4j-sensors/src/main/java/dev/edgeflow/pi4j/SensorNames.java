package dev.edgeflow.pi4j;

/** Checks names that become topic levels: a sensor's name and a device id. */
final class SensorNames {
    private SensorNames() {
    }

    static String check(String name) {
        return check(name, "sensor name");
    }

    static String check(String name, String what) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException(what + " is empty; give a name such as bme280");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == '+' || c == '#' || Character.isISOControl(c)) {
                throw new IllegalArgumentException(what + " '" + name + "' contains '" + c
                        + "': it becomes one topic level, so it cannot contain /, + or #");
            }
        }
        return name;
    }
}
