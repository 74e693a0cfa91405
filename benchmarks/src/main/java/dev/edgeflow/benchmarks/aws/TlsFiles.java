package dev.edgeflow.benchmarks.aws;

import java.nio.file.Path;

/** The PEM files of a mutual-TLS client: the CA that signed the broker, the client's certificate and key. */
record TlsFiles(Path ca, Path certificate, Path key) {
}
