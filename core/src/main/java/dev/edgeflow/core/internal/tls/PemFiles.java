package dev.edgeflow.core.internal.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * Reads PEM certificates and private keys with the JDK alone: PKCS#8 ({@code BEGIN PRIVATE KEY}),
 * PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY}, the form AWS IoT hands out) and SEC1 EC
 * ({@code BEGIN EC PRIVATE KEY}). Every error names the file and says how to fix it.
 */
public final class PemFiles {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);
    private static final byte[] RSA_ALGORITHM = {
        0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
    private static final byte[] EC_PUBLIC_KEY_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

    private PemFiles() {
    }

    /**
     * Builds a trust manager factory that trusts exactly the certificates in a PEM file.
     *
     * @param file a PEM file with one or more CA certificates
     * @return the factory
     */
    public static TrustManagerFactory trustManagers(Path file) {
        List<X509Certificate> cas = certificates(file, "CA certificate");
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < cas.size(); i++) {
                store.setCertificateEntry("ca-" + i, cas.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            return tmf;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("CA certificate file " + file + " cannot be used as a trust store: " + e, e);
        }
    }

    /**
     * Builds a key manager factory from a PEM certificate (chain) and its private key, after
     * checking that the two belong together.
     *
     * @param certificateFile the client certificate, optionally followed by its chain
     * @param keyFile the private key, unencrypted
     * @return the factory
     */
    public static KeyManagerFactory keyManagers(Path certificateFile, Path keyFile) {
        List<X509Certificate> chain = certificates(certificateFile, "client certificate");
        PrivateKey key = privateKey(keyFile);
        requireMatchingPair(chain.get(0), certificateFile, key, keyFile);
        try {
            char[] password = new char[16];
            SecureRandom random = new SecureRandom();
            for (int i = 0; i < password.length; i++) {
                password[i] = (char) ('a' + random.nextInt(26));
            }
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("client", key, password, chain.toArray(new X509Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, password);
            return kmf;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("client certificate " + certificateFile + " with key " + keyFile
                    + " cannot be used as a key store: " + e, e);
        }
    }

    /**
     * Checks a client certificate and its key before a TLS library sees them, so that a bad file
     * fails with its name and the reason rather than as an anonymous handshake failure: readable,
     * PEM, the key belongs to the certificate, and the certificate is valid now.
     *
     * @param certificateFile the client certificate, optionally followed by its chain
     * @param keyFile the private key, unencrypted
     * @return the client certificate
     * @throws IllegalArgumentException naming the file and the reason
     */
    public static X509Certificate checkClientCertificate(Path certificateFile, Path keyFile) {
        List<X509Certificate> chain = certificates(certificateFile, "client certificate");
        PrivateKey key = privateKey(keyFile);
        requireMatchingPair(chain.get(0), certificateFile, key, keyFile);
        requireValidNow(chain.get(0), certificateFile, "client certificate");
        return chain.get(0);
    }

    /**
     * Fails when a certificate is expired or not yet valid.
     *
     * @param certificate the certificate
     * @param file where it came from, for the message
     * @param role what the file is for ("client certificate")
     * @throws IllegalArgumentException naming the file and the validity dates
     */
    public static void requireValidNow(X509Certificate certificate, Path file, String role) {
        try {
            certificate.checkValidity();
        } catch (CertificateExpiredException e) {
            throw new IllegalArgumentException(role + " " + file + " expired on "
                    + certificate.getNotAfter().toInstant() + ": issue a new certificate (and check the clock of this "
                    + "machine, which reads " + Instant.now() + ")", e);
        } catch (CertificateNotYetValidException e) {
            throw new IllegalArgumentException(role + " " + file + " is not valid before "
                    + certificate.getNotBefore().toInstant() + "; this machine's clock reads " + Instant.now()
                    + ": set the clock (NTP) or wait", e);
        }
    }

    /**
     * Reads the certificates of a PEM file.
     *
     * @param file the file
     * @param role what the file is for, for error messages ("CA certificate")
     * @return at least one certificate
     */
    public static List<X509Certificate> certificates(Path file, String role) {
        String text = read(file, role);
        if (!text.contains("-----BEGIN CERTIFICATE-----")) {
            throw new IllegalArgumentException(role + " file " + file + " holds no PEM certificate (no line "
                    + "'-----BEGIN CERTIFICATE-----'): give the PEM file, e.g. convert DER with "
                    + "'openssl x509 -inform der -in cert.der -out cert.pem'");
        }
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            List<X509Certificate> result = new ArrayList<>();
            for (var c : factory.generateCertificates(new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII)))) {
                result.add((X509Certificate) c);
            }
            if (result.isEmpty()) {
                throw new CertificateException("no certificate found");
            }
            return result;
        } catch (CertificateException e) {
            throw new IllegalArgumentException(role + " file " + file + " is not a valid PEM certificate: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Reads an unencrypted private key in PKCS#8, PKCS#1 (RSA) or SEC1 (EC) PEM form.
     *
     * @param file the key file
     * @return the key
     */
    public static PrivateKey privateKey(Path file) {
        String text = read(file, "private key");
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String type = m.group(1);
            byte[] der;
            try {
                der = Base64.getMimeDecoder().decode(m.group(2).trim());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("private key file " + file + " has a " + type
                        + " block that is not valid Base64", e);
            }
            switch (type) {
                case "PRIVATE KEY":
                    return pkcs8(der, file, "RSA", "EC", "Ed25519", "Ed448");
                case "RSA PRIVATE KEY":
                    return pkcs8(wrap(concat(new byte[] {0x02, 0x01, 0x00}, RSA_ALGORITHM, tlv(0x04, der))), file, "RSA");
                case "EC PRIVATE KEY":
                    return pkcs8(wrapEc(der, file), file, "EC");
                case "ENCRYPTED PRIVATE KEY":
                    throw new IllegalArgumentException("private key file " + file + " is encrypted; edgeflow reads "
                            + "unencrypted keys (keep the file readable by this user only): decrypt it with "
                            + "'openssl pkcs8 -in " + file + " -out key.pem'");
                default:
                    // Certificates or parameters next to the key are allowed; keep looking.
            }
        }
        throw new IllegalArgumentException("private key file " + file + " holds no PEM private key (expected "
                + "'-----BEGIN PRIVATE KEY-----', '-----BEGIN RSA PRIVATE KEY-----' or '-----BEGIN EC PRIVATE KEY-----')");
    }

    private static String read(Path file, String role) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(role + " file " + file + " does not exist", e);
        } catch (AccessDeniedException e) {
            throw new IllegalArgumentException(role + " file " + file + " is not readable: permission denied "
                    + "(the process runs as user " + System.getProperty("user.name") + ")", e);
        } catch (IOException e) {
            throw new IllegalArgumentException(role + " file " + file + " is not readable: " + e, e);
        }
    }

    private static PrivateKey pkcs8(byte[] der, Path file, String... algorithms) {
        for (String algorithm : algorithms) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException("private key file " + file + " holds a key this JVM cannot read (tried "
                + String.join(", ", algorithms) + ")");
    }

    private static void requireMatchingPair(X509Certificate certificate, Path certificateFile, PrivateKey key,
            Path keyFile) {
        String algorithm;
        switch (key.getAlgorithm()) {
            case "RSA":
                algorithm = "SHA256withRSA";
                break;
            case "EC":
                algorithm = "SHA256withECDSA";
                break;
            default:
                algorithm = key.getAlgorithm();
        }
        try {
            byte[] probe = "edgeflow key pair check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            if (verifier.verify(signature)) {
                return;
            }
        } catch (GeneralSecurityException e) {
            // a key of another type than the certificate's ends up here too
        }
        throw new IllegalArgumentException("private key file " + keyFile + " does not belong to client certificate "
                + certificateFile + " (" + certificate.getSubjectX500Principal().getName()
                + "): give the key that was issued with this certificate");
    }

    private static byte[] wrapEc(byte[] sec1, Path file) {
        // SEC1 ECPrivateKey ::= SEQUENCE { version, privateKey OCTET STRING, [0] parameters (the curve OID), ... }
        int i = 0;
        if (sec1.length < 2 || sec1[i] != 0x30) {
            throw new IllegalArgumentException("private key file " + file + " has an EC key that is not DER");
        }
        int[] header = lengthAt(sec1, 1);
        i = header[1];
        int end = i + header[0];
        while (i < end && i < sec1.length) {
            int tag = sec1[i] & 0xff;
            int[] len = lengthAt(sec1, i + 1);
            if (tag == 0xa0) {
                byte[] curve = new byte[len[0]];
                System.arraycopy(sec1, len[1], curve, 0, len[0]);
                return wrap(concat(new byte[] {0x02, 0x01, 0x00}, tlv(0x30, concat(EC_PUBLIC_KEY_OID, curve)),
                        tlv(0x04, sec1)));
            }
            i = len[1] + len[0];
        }
        throw new IllegalArgumentException("private key file " + file + " has an EC key without its curve: "
                + "convert it with 'openssl pkcs8 -topk8 -nocrypt -in " + file + " -out key.pem'");
    }

    /** Returns {length, offset of the content} for the DER length that starts at {@code at}. */
    private static int[] lengthAt(byte[] der, int at) {
        int first = der[at] & 0xff;
        if (first < 0x80) {
            return new int[] {first, at + 1};
        }
        int count = first & 0x7f;
        int length = 0;
        for (int k = 1; k <= count; k++) {
            length = (length << 8) | (der[at + k] & 0xff);
        }
        return new int[] {length, at + 1 + count};
    }

    private static byte[] wrap(byte[] content) {
        return tlv(0x30, content);
    }

    private static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
        out.write(tag);
        int n = content.length;
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else if (n < 0x10000) {
            out.write(0x82);
            out.write(n >> 8);
            out.write(n);
        } else {
            out.write(0x83);
            out.write(n >> 16);
            out.write(n >> 8);
            out.write(n);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
