package dev.edgeflow.cli;

import picocli.CommandLine.IVersionProvider;

/** The version from the jar's manifest; {@code development} when run from the classes folder. */
final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Version.class.getPackage().getImplementationVersion();
        return new String[] {"edgeflow " + (v == null ? "development" : v),
            "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
    }
}
