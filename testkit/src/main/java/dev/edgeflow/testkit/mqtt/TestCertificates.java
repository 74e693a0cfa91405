package dev.edgeflow.testkit.mqtt;

import dev.edgeflow.testkit.internal.ReadableFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority and the certificates a TLS test needs, generated afresh as PEM files
 * each time a test runs, so that no key is ever committed.
 *
 * <p>{@link #generate(Path)} makes RSA 2048 keys and writes:
 * <ul>
 *   <li>a CA, {@code CN=edgeflow test CA}, that signs everything below except the other CA's client;</li>
 *   <li>a server certificate for {@code DNS:localhost} and {@code IP:127.0.0.1}, valid from a day
 *       ago for 30 days;</li>
 *   <li>a client certificate, {@code CN=edgeflow-test-client}, for client authentication, with its
 *       key both as PKCS#8 ({@code BEGIN PRIVATE KEY}) and PKCS#1 ({@code BEGIN RSA PRIVATE KEY},
 *       the form AWS IoT hands out);</li>
 *   <li>an expired server certificate and one for the wrong host ({@code DNS:not-this-host.invalid}),
 *       for tests that a client refuses them;</li>
 *   <li>an expired client certificate for the client's key, which a broker must refuse;</li>
 *   <li>a second, unrelated CA and a client certificate it signed, for tests that a broker which
 *       trusts only the first CA refuses it.</li>
 * </ul>
 *
 * <p>The folder is made readable and enterable by every user (0755) and every file readable by
 * every user (0644), private keys included: Mosquitto started as root switches to the
 * {@code mosquitto} user before it reads its certificates. These are throw-away test keys; never
 * use this class for anything else. A folder that JUnit's {@code @TempDir} made is 0700 itself,
 * which {@link MosquittoBroker} copes with by copying the files it needs into a folder of its own.
 *
 * <pre>{@code
 * @TempDir Path dir;
 * TestCertificates certs = TestCertificates.generate(dir.resolve("certs"));
 * try (MosquittoBroker broker = MosquittoBroker.builder().tls(certs).start()) { ... }
 * }</pre>
 *
 * @since 0.1.0
 */
public final class TestCertificates {
    private static final String SIGNATURE_ALGORITHM = "SHA256withRSA";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final X500Name CA_NAME = new X500Name("CN=edgeflow test CA");
    private static final X500Name OTHER_CA_NAME = new X500Name("CN=edgeflow other test CA");
    private static final GeneralName[] LOCAL_NAMES = {
        new GeneralName(GeneralName.dNSName, "localhost"),
        new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
    };
    private static final String WRONG_HOST = "not-this-host.invalid";

    private static final String CA_FILE = "ca.cert.pem";
    private static final String SERVER_FILE = "server.cert.pem";
    private static final String SERVER_KEY_FILE = "server.key.pem";
    private static final String CLIENT_FILE = "client.cert.pem";
    private static final String CLIENT_KEY_FILE = "client.key.pem";
    private static final String CLIENT_KEY_PKCS1_FILE = "client.pkcs1.key.pem";
    private static final String EXPIRED_FILE = "server-expired.cert.pem";
    private static final String EXPIRED_KEY_FILE = "server-expired.key.pem";
    private static final String WRONG_HOST_FILE = "server-wrong-host.cert.pem";
    private static final String WRONG_HOST_KEY_FILE = "server-wrong-host.key.pem";
    private static final String EXPIRED_CLIENT_FILE = "client-expired.cert.pem";
    private static final String OTHER_CA_FILE = "other-ca.cert.pem";
    private static final String OTHER_CLIENT_FILE = "other-ca-client.cert.pem";
    private static final String OTHER_CLIENT_KEY_FILE = "other-ca-client.key.pem";
    private static final String SERVER_KEY_STORE_FILE = "server.p12";
    private static final String TRUST_STORE_FILE = "truststore.p12";

    private final Path directory;
    private final X509Certificate ca;
    private final X509Certificate server;
    private final PrivateKey serverPrivateKey;

    private TestCertificates(Path directory, X509Certificate ca, X509Certificate server, PrivateKey serverPrivateKey) {
        this.directory = directory;
        this.ca = ca;
        this.server = server;
        this.serverPrivateKey = serverPrivateKey;
    }

    /**
     * Generates the keys and certificates and writes them as PEM files into a folder. Files of
     * an earlier call in the same folder are replaced. Blocks for well under two seconds, most of
     * it making five RSA 2048 keys; the three server certificates share one key.
     *
     * @param directory where the files go; created with its parents if missing, and made
     *     readable by every user (0755)
     * @return the paths of the files written
     * @throws UncheckedIOException if the folder or a file cannot be written
     * @throws IllegalStateException if the JDK cannot make RSA keys or SHA256withRSA signatures
     */
    public static TestCertificates generate(Path directory) {
        ReadableFiles.directory(directory);
        List<KeyPair> keys = rsaKeyPairs(5);
        KeyPair caKey = keys.get(0);
        KeyPair serverKey = keys.get(1);
        KeyPair clientKey = keys.get(2);
        KeyPair otherCaKey = keys.get(3);
        KeyPair otherClientKey = keys.get(4);
        Instant now = Instant.now();
        Instant yesterday = now.minus(Duration.ofDays(1));
        Instant inThirtyDays = now.plus(Duration.ofDays(30));

        X509Certificate ca = authority(CA_NAME, caKey, yesterday, inThirtyDays);
        X509Certificate otherCa = authority(OTHER_CA_NAME, otherCaKey, yesterday, inThirtyDays);
        X509Certificate server = leaf(ca, caKey.getPrivate(), "CN=localhost", serverKey, yesterday, inThirtyDays,
                KeyPurposeId.id_kp_serverAuth, LOCAL_NAMES);
        X509Certificate expired = leaf(ca, caKey.getPrivate(), "CN=localhost", serverKey,
                now.minus(Duration.ofDays(30)), yesterday, KeyPurposeId.id_kp_serverAuth, LOCAL_NAMES);
        X509Certificate wrongHost = leaf(ca, caKey.getPrivate(), "CN=" + WRONG_HOST, serverKey, yesterday,
                inThirtyDays, KeyPurposeId.id_kp_serverAuth, new GeneralName(GeneralName.dNSName, WRONG_HOST));
        X509Certificate client = leaf(ca, caKey.getPrivate(), "CN=edgeflow-test-client", clientKey, yesterday,
                inThirtyDays, KeyPurposeId.id_kp_clientAuth);
        X509Certificate expiredClient = leaf(ca, caKey.getPrivate(), "CN=edgeflow-test-client", clientKey,
                now.minus(Duration.ofDays(30)), yesterday, KeyPurposeId.id_kp_clientAuth);
        X509Certificate otherClient = leaf(otherCa, otherCaKey.getPrivate(), "CN=edgeflow-test-client", otherClientKey,
                yesterday, inThirtyDays, KeyPurposeId.id_kp_clientAuth);

        writePem(directory.resolve(CA_FILE), ca);
        writePem(directory.resolve(SERVER_FILE), server);
        writePem(directory.resolve(SERVER_KEY_FILE), pkcs8(serverKey.getPrivate()));
        writePem(directory.resolve(CLIENT_FILE), client);
        writePem(directory.resolve(CLIENT_KEY_FILE), pkcs8(clientKey.getPrivate()));
        // JcaPEMWriter writes an RSA private key in its traditional OpenSSL form, which is PKCS#1.
        writePem(directory.resolve(CLIENT_KEY_PKCS1_FILE), clientKey.getPrivate());
        writePem(directory.resolve(EXPIRED_CLIENT_FILE), expiredClient);
        writePem(directory.resolve(EXPIRED_FILE), expired);
        writePem(directory.resolve(EXPIRED_KEY_FILE), pkcs8(serverKey.getPrivate()));
        writePem(directory.resolve(WRONG_HOST_FILE), wrongHost);
        writePem(directory.resolve(WRONG_HOST_KEY_FILE), pkcs8(serverKey.getPrivate()));
        writePem(directory.resolve(OTHER_CA_FILE), otherCa);
        writePem(directory.resolve(OTHER_CLIENT_FILE), otherClient);
        writePem(directory.resolve(OTHER_CLIENT_KEY_FILE), pkcs8(otherClientKey.getPrivate()));
        return new TestCertificates(directory, ca, server, serverKey.getPrivate());
    }

    /**
     * Returns the folder that holds the files.
     *
     * @return the folder given to {@link #generate(Path)}
     */
    public Path directory() {
        return directory;
    }

    /**
     * Returns the CA certificate, {@code CN=edgeflow test CA}, self-signed: the one file a client
     * or broker needs to trust every certificate here except {@link #otherCaClientCertificate()}.
     *
     * @return the PEM file
     */
    public Path caCertificate() {
        return directory.resolve(CA_FILE);
    }

    /**
     * Returns the server certificate, signed by the CA, for {@code DNS:localhost} and
     * {@code IP:127.0.0.1}, valid from a day ago for 30 days, for server authentication.
     *
     * @return the PEM file
     */
    public Path serverCertificate() {
        return directory.resolve(SERVER_FILE);
    }

    /**
     * Returns the server certificate's private key, unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY}).
     * The expired and wrong-host server certificates share this key.
     *
     * @return the PEM file
     */
    public Path serverKey() {
        return directory.resolve(SERVER_KEY_FILE);
    }

    /**
     * Returns the client certificate, {@code CN=edgeflow-test-client}, signed by the CA, with
     * extended key usage {@code clientAuth}.
     *
     * @return the PEM file
     */
    public Path clientCertificate() {
        return directory.resolve(CLIENT_FILE);
    }

    /**
     * Returns the client certificate's private key, unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY}).
     *
     * @return the PEM file
     */
    public Path clientKey() {
        return directory.resolve(CLIENT_KEY_FILE);
    }

    /**
     * Returns the same private key as {@link #clientKey()} in PKCS#1 form
     * ({@code BEGIN RSA PRIVATE KEY}), as AWS IoT hands out device keys.
     *
     * @return the PEM file
     */
    public Path clientKeyPkcs1() {
        return directory.resolve(CLIENT_KEY_PKCS1_FILE);
    }

    /**
     * Returns a server certificate signed by the CA for {@code DNS:localhost} and
     * {@code IP:127.0.0.1} that expired a day ago: a client that trusts the CA must refuse it.
     *
     * @return the PEM file
     */
    public Path expiredServerCertificate() {
        return directory.resolve(EXPIRED_FILE);
    }

    /**
     * Returns the expired server certificate's private key (the same key as {@link #serverKey()}).
     *
     * @return the PEM file, PKCS#8
     */
    public Path expiredServerKey() {
        return directory.resolve(EXPIRED_KEY_FILE);
    }

    /**
     * Returns a valid server certificate signed by the CA whose only name is
     * {@code DNS:not-this-host.invalid}: a client that connects to {@code localhost} or
     * {@code 127.0.0.1} and checks host names must refuse it.
     *
     * @return the PEM file
     */
    public Path wrongHostServerCertificate() {
        return directory.resolve(WRONG_HOST_FILE);
    }

    /**
     * Returns the wrong-host server certificate's private key (the same key as {@link #serverKey()}).
     *
     * @return the PEM file, PKCS#8
     */
    public Path wrongHostServerKey() {
        return directory.resolve(WRONG_HOST_KEY_FILE);
    }

    /**
     * Returns a second CA, {@code CN=edgeflow other test CA}, unrelated to {@link #caCertificate()}.
     *
     * @return the PEM file
     */
    public Path otherCaCertificate() {
        return directory.resolve(OTHER_CA_FILE);
    }

    /**
     * Returns a client certificate signed by the CA for the key {@link #clientKey()}, which
     * expired a day ago.
     *
     * @return the PEM file
     */
    public Path expiredClientCertificate() {
        return directory.resolve(EXPIRED_CLIENT_FILE);
    }

    /**
     * Returns a client certificate that the other CA signed, with the same subject as
     * {@link #clientCertificate()}: a broker that trusts only {@link #caCertificate()} must refuse it.
     *
     * @return the PEM file
     */
    public Path otherCaClientCertificate() {
        return directory.resolve(OTHER_CLIENT_FILE);
    }

    /**
     * Returns the private key of {@link #otherCaClientCertificate()}.
     *
     * @return the PEM file, PKCS#8
     */
    public Path otherCaClientKey() {
        return directory.resolve(OTHER_CLIENT_KEY_FILE);
    }

    /**
     * Writes the server key with its certificate chain (server certificate, then CA) as a PKCS12
     * key store, for servers that take key stores rather than PEM files, such as HiveMQ. The
     * entry's alias is {@code server} and its key password is the store password. Calling this
     * again replaces the file.
     *
     * @param password the store password, also the key password
     * @return the PKCS12 file, {@code server.p12} in {@link #directory()}, readable by every user
     * @throws UncheckedIOException if the file cannot be written
     */
    public synchronized Path serverKeyStore(char[] password) {
        return writeKeyStore(SERVER_KEY_STORE_FILE, password, store -> store.setKeyEntry("server", serverPrivateKey,
                password, new Certificate[] {server, ca}));
    }

    /**
     * Writes the CA certificate as a PKCS12 trust store, for servers that take trust stores
     * rather than PEM files, such as HiveMQ with client certificates. The entry's alias is
     * {@code edgeflow-test-ca}; other CAs appended to {@link #caCertificate()} since (such as an
     * emulated provisioning CA) are entries too. Calling this again replaces the file.
     *
     * @param password the store password
     * @return the PKCS12 file, {@code truststore.p12} in {@link #directory()}, readable by every user
     * @throws UncheckedIOException if the file cannot be written
     */
    public synchronized Path trustStore(char[] password) {
        // Every CA in the file, so that a CA appended to it (an emulated provisioning CA) is trusted too.
        List<X509Certificate> cas = dev.edgeflow.core.internal.tls.PemFiles.certificates(caCertificate(),
                "CA certificate");
        return writeKeyStore(TRUST_STORE_FILE, password, store -> {
            store.setCertificateEntry("edgeflow-test-ca", ca);
            for (int i = 0; i < cas.size(); i++) {
                if (!cas.get(i).equals(ca)) {
                    store.setCertificateEntry("edgeflow-test-ca-" + i, cas.get(i));
                }
            }
        });
    }

    /**
     * Describes this set of certificates by its folder.
     *
     * @return a description naming the folder
     */
    @Override
    public String toString() {
        return "TestCertificates[" + directory + "]";
    }

    private interface StoreFiller {
        void fill(KeyStore store) throws GeneralSecurityException;
    }

    private Path writeKeyStore(String fileName, char[] password, StoreFiller filler) {
        Path file = directory.resolve(fileName);
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            filler.fill(store);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            store.store(bytes, password);
            return ReadableFiles.write(file, bytes.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the key store " + file + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot make the PKCS12 key store " + file + ": " + e, e);
        }
    }

    private static List<KeyPair> rsaKeyPairs(int count) {
        // Making the keys is most of the time taken: a parallel stream runs them on the calling
        // thread and the common pool's, so on two cores as on more.
        return IntStream.range(0, count).parallel().mapToObj(i -> rsaKeyPair()).collect(Collectors.toList());
    }

    private static KeyPair rsaKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048, RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot generate RSA keys: " + e, e);
        }
    }

    private static X509Certificate authority(X500Name name, KeyPair key, Instant from, Instant until) {
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(), Date.from(from),
                Date.from(until), name, key.getPublic());
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    extensions.createSubjectKeyIdentifier(key.getPublic()));
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot add the extensions of CA certificate " + name + ": " + e, e);
        }
        return sign(builder, key.getPrivate(), name.toString());
    }

    private static X509Certificate leaf(X509Certificate issuer, PrivateKey issuerKey, String subject, KeyPair key,
            Instant from, Instant until, KeyPurposeId purpose, GeneralName... names) {
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, serial(), Date.from(from),
                Date.from(until), new X500Name(subject), key.getPublic());
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    extensions.createSubjectKeyIdentifier(key.getPublic()));
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                    extensions.createAuthorityKeyIdentifier(issuer));
            if (names.length > 0) {
                builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
            }
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot add the extensions of certificate " + subject + ": " + e, e);
        }
        return sign(builder, issuerKey, subject);
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuerKey, String subject) {
        try {
            return new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder(SIGNATURE_ALGORITHM).build(issuerKey)));
        } catch (OperatorCreationException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign certificate " + subject + " with " + SIGNATURE_ALGORITHM
                    + ": " + e, e);
        }
    }

    private static BigInteger serial() {
        // Positive and unique enough that no two certificates of one CA share a serial.
        return new BigInteger(63, RANDOM).add(BigInteger.ONE);
    }

    private static JcaPKCS8Generator pkcs8(PrivateKey key) {
        try {
            return new JcaPKCS8Generator(key, null);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode a private key as PKCS#8: " + e, e);
        }
    }

    private static void writePem(Path file, Object object) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(object);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode " + file.getFileName() + " as PEM: " + e.getMessage(), e);
        }
        ReadableFiles.write(file, text.toString().getBytes(StandardCharsets.US_ASCII));
    }
}
