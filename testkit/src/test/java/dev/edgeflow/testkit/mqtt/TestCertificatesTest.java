package dev.edgeflow.testkit.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.RSAPublicKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestCertificatesTest {
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final int DNS = 2;
    private static final int IP = 7;

    @TempDir
    static Path dir;
    static TestCertificates certs;

    @BeforeAll
    static void generate() {
        certs = TestCertificates.generate(dir.resolve("nested/certs"));
    }

    @Test
    void writesEveryFileAsPemThatEveryUserMayRead() throws IOException {
        List<Path> certificates = List.of(certs.caCertificate(), certs.serverCertificate(), certs.clientCertificate(),
                certs.expiredServerCertificate(), certs.wrongHostServerCertificate(), certs.otherCaCertificate(),
                certs.otherCaClientCertificate());
        List<Path> pkcs8Keys = List.of(certs.serverKey(), certs.clientKey(), certs.expiredServerKey(),
                certs.wrongHostServerKey(), certs.otherCaClientKey());
        for (Path file : certificates) {
            assertThat(Files.readString(file)).as("%s", file).startsWith("-----BEGIN CERTIFICATE-----");
        }
        for (Path file : pkcs8Keys) {
            assertThat(Files.readString(file)).as("%s", file).startsWith("-----BEGIN PRIVATE KEY-----");
        }
        assertThat(Files.readString(certs.clientKeyPkcs1())).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        assertThat(certs.directory()).isEqualTo(dir.resolve("nested/certs"));

        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(certs.directory())))
                    .isEqualTo("rwxr-xr-x");
            try (var files = Files.list(certs.directory())) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).as("%s", file)
                            .isEqualTo("rw-r--r--");
                }
            }
        }
    }

    @Test
    void theCaIsASelfSignedAuthority() throws GeneralSecurityException {
        X509Certificate ca = TestClients.readCertificate(certs.caCertificate());
        assertThat(ca.getSubjectX500Principal().getName()).isEqualTo("CN=edgeflow test CA");
        assertThat(ca.getIssuerX500Principal()).isEqualTo(ca.getSubjectX500Principal());
        assertThat(ca.getBasicConstraints()).as("path length of a CA; -1 for an end entity").isNotNegative();
        ca.verify(ca.getPublicKey());
    }

    @Test
    void theServerCertificateIsSignedByTheCaForLocalhostAndLoopbackFromYesterdayFor30Days() throws Exception {
        X509Certificate server = TestClients.readCertificate(certs.serverCertificate());
        assertValidUnder(certs.caCertificate(), server);
        assertThat(server.getSubjectAlternativeNames()).containsExactlyInAnyOrder(
                List.of(DNS, "localhost"), List.of(IP, "127.0.0.1"));
        assertThat(server.getExtendedKeyUsage()).containsExactly(SERVER_AUTH);
        Instant now = Instant.now();
        assertThat(server.getNotBefore().toInstant())
                .isBetween(now.minus(Duration.ofHours(25)), now.minus(Duration.ofHours(23)));
        assertThat(server.getNotAfter().toInstant())
                .isBetween(now.plus(Duration.ofDays(29)), now.plus(Duration.ofDays(31)));
        assertThat(server.getPublicKey()).isEqualTo(publicKeyOf(certs.serverKey()));
    }

    @Test
    void theClientCertificateIsSignedByTheCaForClientAuthentication() throws Exception {
        X509Certificate client = TestClients.readCertificate(certs.clientCertificate());
        assertValidUnder(certs.caCertificate(), client);
        assertThat(client.getSubjectX500Principal().getName()).isEqualTo("CN=edgeflow-test-client");
        assertThat(client.getExtendedKeyUsage()).containsExactly(CLIENT_AUTH);
        assertThat(client.getBasicConstraints()).isEqualTo(-1);
        assertThat(client.getPublicKey()).isEqualTo(publicKeyOf(certs.clientKey()));
    }

    @Test
    void thePkcs1KeyIsTheClientKeyInTheFormAwsIotHandsOut() throws IOException {
        PrivateKey pkcs1 = TestClients.readPrivateKey(certs.clientKeyPkcs1());
        PrivateKey pkcs8 = TestClients.readPrivateKey(certs.clientKey());
        assertThat(pkcs1.getAlgorithm()).isEqualTo("RSA");
        assertThat(((RSAPrivateCrtKey) pkcs1).getModulus().bitLength()).isEqualTo(2048);
        assertThat(pkcs1.getEncoded()).isEqualTo(pkcs8.getEncoded());
        String text = Files.readString(certs.clientKeyPkcs1(), StandardCharsets.US_ASCII);
        assertThat(text).doesNotContain("BEGIN PRIVATE KEY").contains("-----END RSA PRIVATE KEY-----");
    }

    @Test
    void theExpiredServerCertificateEndedBeforeNow() throws Exception {
        X509Certificate expired = TestClients.readCertificate(certs.expiredServerCertificate());
        assertThatThrownBy(expired::checkValidity).isInstanceOf(CertificateExpiredException.class);
        assertThat(expired.getNotAfter()).isBefore(new Date());
        assertThat(expired.getSubjectAlternativeNames()).containsExactlyInAnyOrder(
                List.of(DNS, "localhost"), List.of(IP, "127.0.0.1"));
        assertThatThrownBy(() -> assertValidUnder(certs.caCertificate(), expired))
                .isInstanceOf(CertPathValidatorException.class)
                .hasRootCauseInstanceOf(CertificateExpiredException.class);
        assertThat(expired.getPublicKey()).isEqualTo(publicKeyOf(certs.expiredServerKey()));
    }

    @Test
    void theWrongHostCertificateIsValidButNamesOnlyAnotherHost() throws Exception {
        X509Certificate wrongHost = TestClients.readCertificate(certs.wrongHostServerCertificate());
        assertValidUnder(certs.caCertificate(), wrongHost);
        assertThat(wrongHost.getSubjectAlternativeNames()).containsExactly(List.of(DNS, "not-this-host.invalid"));
        assertThat(wrongHost.getPublicKey()).isEqualTo(publicKeyOf(certs.wrongHostServerKey()));
    }

    @Test
    void theOtherCasClientIsNotValidUnderTheCaButUnderItsOwn() throws Exception {
        X509Certificate otherClient = TestClients.readCertificate(certs.otherCaClientCertificate());
        assertThatThrownBy(() -> assertValidUnder(certs.caCertificate(), otherClient))
                .isInstanceOf(CertPathValidatorException.class);
        assertValidUnder(certs.otherCaCertificate(), otherClient);
        assertThat(TestClients.readCertificate(certs.otherCaCertificate()).getSubjectX500Principal())
                .isNotEqualTo(TestClients.readCertificate(certs.caCertificate()).getSubjectX500Principal());
        assertThat(otherClient.getPublicKey()).isEqualTo(publicKeyOf(certs.otherCaClientKey()));
    }

    @Test
    void theKeyStoresHoldTheServerChainAndTheCa() throws Exception {
        char[] password = "changeit".toCharArray();
        KeyStore server = load(certs.serverKeyStore(password), password);
        assertThat(server.isKeyEntry("server")).isTrue();
        assertThat(server.getCertificateChain("server")).containsExactly(
                TestClients.readCertificate(certs.serverCertificate()),
                TestClients.readCertificate(certs.caCertificate()));
        assertThat(server.getKey("server", password)).isEqualTo(TestClients.readPrivateKey(certs.serverKey()));

        KeyStore trust = load(certs.trustStore(password), password);
        assertThat(trust.isCertificateEntry("edgeflow-test-ca")).isTrue();
        assertThat(trust.getCertificate("edgeflow-test-ca"))
                .isEqualTo(TestClients.readCertificate(certs.caCertificate()));
    }

    private static void assertValidUnder(Path caFile, X509Certificate certificate) throws GeneralSecurityException {
        X509Certificate ca = TestClients.readCertificate(caFile);
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(ca, null)));
        parameters.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(
                CertificateFactory.getInstance("X.509").generateCertPath(List.of(certificate)), parameters);
    }

    private static RSAPublicKey publicKeyOf(Path keyFile) throws IOException, GeneralSecurityException {
        RSAPrivateCrtKey key = (RSAPrivateCrtKey) TestClients.readPrivateKey(keyFile);
        return (RSAPublicKey) KeyFactory.getInstance("RSA")
                .generatePublic(new RSAPublicKeySpec(key.getModulus(), key.getPublicExponent()));
    }

    private static KeyStore load(Path file, char[] password) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, password);
        }
        return store;
    }
}
