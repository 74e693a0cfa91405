package dev.edgeflow.aws;

/** The reserved topics of the Device Shadow service, for one thing and shadow. */
final class ShadowTopics {
    private ShadowTopics() {
    }

    /** {@code $aws/things/<thing>/shadow} or {@code $aws/things/<thing>/shadow/name/<shadow>}. */
    static String prefix(String thingName, String shadowName) {
        return "$aws/things/" + thingName + "/shadow" + (shadowName == null ? "" : "/name/" + shadowName);
    }

    static String checkName(String what, String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException(what + " is " + (name == null ? "null" : "empty")
                    + ": give the name as registered in AWS IoT, e.g. rpi-sensor-01");
        }
        if (name.length() > 128) {
            throw new IllegalArgumentException(what + " '" + name.substring(0, 40) + "...' is " + name.length()
                    + " characters long; AWS IoT allows at most 64 for a shadow name and 128 for a thing name");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(Character.isLetterOrDigit(c) && c < 128) && c != ':' && c != '_' && c != '-') {
                throw new IllegalArgumentException(what + " '" + name + "' holds '" + c + "' at index " + i
                        + ": AWS IoT allows only a-z A-Z 0-9 : _ - in thing and shadow names");
            }
        }
        return name;
    }
}
