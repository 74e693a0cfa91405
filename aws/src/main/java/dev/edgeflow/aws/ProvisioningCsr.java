package dev.edgeflow.aws;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;

/**
 * A key pair made on the device and a PKCS#10 certificate signing request for it, with the JDK
 * alone: P-256 key, ECDSA with SHA-256, subject {@code CN=<common name>}. The encoding is small
 * enough to write by hand, which spares the module a BouncyCastle dependency.
 */
final class ProvisioningCsr {
    /** ecdsa-with-SHA256, 1.2.840.10045.4.3.2. */
    private static final byte[] ECDSA_WITH_SHA256 = {0x06, 0x08, 0x2A, (byte) 0x86, 0x48, (byte) 0xCE, 0x3D, 0x04,
        0x03, 0x02};
    /** commonName, 2.5.4.3. */
    private static final byte[] COMMON_NAME = {0x06, 0x03, 0x55, 0x04, 0x03};

    private final KeyPair keyPair;
    private final String csrPem;

    private ProvisioningCsr(KeyPair keyPair, String csrPem) {
        this.keyPair = keyPair;
        this.csrPem = csrPem;
    }

    static ProvisioningCsr generate(String commonName) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair pair = generator.generateKeyPair();
            byte[] subject = tlv(0x30, tlv(0x31, tlv(0x30, COMMON_NAME,
                    tlv(0x0C, commonName.getBytes(StandardCharsets.UTF_8)))));
            byte[] info = tlv(0x30, new byte[] {0x02, 0x01, 0x00}, subject, pair.getPublic().getEncoded(),
                    new byte[] {(byte) 0xA0, 0x00});
            Signature signer = Signature.getInstance("SHA256withECDSA");
            signer.initSign(pair.getPrivate());
            signer.update(info);
            byte[] signature = signer.sign();
            byte[] request = tlv(0x30, info, tlv(0x30, ECDSA_WITH_SHA256), tlv(0x03, new byte[] {0}, signature));
            return new ProvisioningCsr(pair, pem("CERTIFICATE REQUEST", request));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot make a P-256 key or sign with SHA256withECDSA, which a "
                    + "certificate signing request needs: " + e, e);
        }
    }

    String csrPem() {
        return csrPem;
    }

    /** PKCS#8, {@code -----BEGIN PRIVATE KEY-----}. */
    String privateKeyPem() {
        return pem("PRIVATE KEY", keyPair.getPrivate().getEncoded());
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static byte[] tlv(int tag, byte[]... parts) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            content.writeBytes(p);
        }
        int length = content.size();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        if (length < 0x80) {
            out.write(length);
        } else {
            int bytes = length > 0xFFFF ? 3 : length > 0xFF ? 2 : 1;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write(length >>> (8 * i));
            }
        }
        out.writeBytes(content.toByteArray());
        return out.toByteArray();
    }
}
