package dev.edgeflow.testkit.aws;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.slf4j.LoggerFactory;

/**
 * The certificate authority of the emulated identity service, standing in for the Amazon CA that
 * signs the certificates fleet provisioning hands out. {@link #trustedBy(Path)} adds it to a CA
 * file, so that a broker started with that file accepts the certificates it signs, as AWS IoT
 * Core accepts its own.
 */
public final class ProvisioningAuthority {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final BouncyCastleProvider BC = new BouncyCastleProvider();

    private final KeyPair key;
    private final X509Certificate certificate;

    private ProvisioningAuthority(KeyPair key, X509Certificate certificate) {
        this.key = key;
        this.certificate = certificate;
    }

    /**
     * Makes a CA valid from yesterday for 30 days.
     *
     * @return the authority
     */
    public static ProvisioningAuthority create() {
        KeyPair key = rsa();
        X500Name name = new X500Name("CN=edgeflow emulated provisioning CA");
        Instant now = Instant.now();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(),
                Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(30))), name,
                key.getPublic());
        try {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            return new ProvisioningAuthority(key, sign(b, key));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Appends this CA's certificate to a PEM file of trusted CAs, before a broker reads it
     * (Mosquitto reads the file; the embedded broker's trust store is built from it).
     *
     * @param caFile the PEM file, such as {@code TestCertificates.caCertificate()}
     * @return this authority
     */
    public ProvisioningAuthority trustedBy(Path caFile) {
        try {
            Files.writeString(caFile, "\n" + pem(certificate), StandardCharsets.US_ASCII, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot add the provisioning CA to " + caFile, e);
        }
        return this;
    }

    /** A new RSA key and a client certificate for it, as CreateKeysAndCertificate makes them. */
    Issued issueWithKey(String commonName) {
        KeyPair pair = rsa();
        X509Certificate cert = issue(commonName, pair.getPublic());
        // JcaPEMWriter writes an RSA key as PKCS#1, the form AWS IoT hands out.
        return new Issued(cert, pem(cert), pem(pair.getPrivate()), id(cert));
    }

    /** A client certificate for a CSR's key, as CreateCertificateFromCsr makes it; null if the CSR is not valid. */
    Issued issueForCsr(String csrPem) {
        try (PEMParser parser = new PEMParser(new StringReader(csrPem))) {
            Object parsed = parser.readObject();
            if (!(parsed instanceof PKCS10CertificationRequest)) {
                return null;
            }
            // BouncyCastle's provider: the JDK's key factories are not found by the EC key's OID.
            JcaPKCS10CertificationRequest csr = new JcaPKCS10CertificationRequest((PKCS10CertificationRequest) parsed)
                    .setProvider(BC);
            if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().setProvider(BC)
                    .build(csr.getSubjectPublicKeyInfo()))) {
                return null;
            }
            X509Certificate cert = issue(csr.getSubject().toString(), csr.getPublicKey());
            return new Issued(cert, pem(cert), null, id(cert));
        } catch (Exception e) {
            LoggerFactory.getLogger(ProvisioningAuthority.class).warn("emulator: CSR refused: {}", e.toString(), e);
            return null;
        }
    }

    private X509Certificate issue(String commonName, PublicKey publicKey) {
        Instant now = Instant.now();
        String subject = commonName.startsWith("CN=") ? commonName : "CN=" + commonName;
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(certificate, serial(),
                Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(30))),
                new X500Name(subject), publicKey);
        try {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature
                    | KeyUsage.keyEncipherment));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
            return sign(b, key);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair issuer) {
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA256withRSA").build(issuer.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException("cannot sign a certificate: " + e, e);
        }
    }

    private static KeyPair rsa() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048, RANDOM);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** AWS IoT's certificate id is the SHA-256 of the certificate, in hex. */
    private static String id(X509Certificate cert) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static BigInteger serial() {
        return new BigInteger(63, RANDOM).add(BigInteger.ONE);
    }

    private static String pem(Object o) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(text)) {
            w.writeObject(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.toString();
    }

    /** A certificate the emulated service made, with its key when the service made that too. */
    static final class Issued {
        final X509Certificate certificate;
        final String certificatePem;
        final String privateKeyPem;
        final String certificateId;

        Issued(X509Certificate certificate, String certificatePem, String privateKeyPem, String certificateId) {
            this.certificate = certificate;
            this.certificatePem = certificatePem;
            this.privateKeyPem = privateKeyPem;
            this.certificateId = certificateId;
        }
    }
}
