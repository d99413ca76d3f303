package io.imgfed.federation.trust;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** PEM certificates and PKCS#8 private keys read with the JDK alone, plus the subject fields trust checks need. */
public final class PemFiles {
    private static final Pattern KEY = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    private static final Pattern CERTIFICATE = Pattern.compile(
            "-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\\s]+-----END CERTIFICATE-----");

    private PemFiles() {
    }

    /**
     * The certificates of a PEM text, in order. Only {@code CERTIFICATE} blocks are read: the JDK's parser takes
     * any PEM block for a certificate, and a signing-key file holds its private key before its certificate.
     */
    public static List<X509Certificate> certificates(String pem) throws GeneralSecurityException {
        List<X509Certificate> out = new ArrayList<>();
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        Matcher m = CERTIFICATE.matcher(pem);
        while (m.find()) {
            out.add((X509Certificate) factory.generateCertificate(
                    new ByteArrayInputStream(m.group().getBytes(StandardCharsets.US_ASCII))));
        }
        if (out.isEmpty()) {
            throw new java.security.cert.CertificateException("no certificate (BEGIN CERTIFICATE) found");
        }
        return out;
    }

    public static List<X509Certificate> certificates(Path file) throws IOException, GeneralSecurityException {
        return certificates(Files.readString(file, StandardCharsets.US_ASCII));
    }

    /** The first PKCS#8 private key in a PEM text, of the given algorithm (EC, Ed25519, RSA). */
    public static PrivateKey privateKey(String pem, String algorithm) throws GeneralSecurityException {
        Matcher m = KEY.matcher(pem);
        if (!m.find()) {
            throw new GeneralSecurityException("no PKCS#8 private key (BEGIN PRIVATE KEY) found");
        }
        byte[] der = Base64.getMimeDecoder().decode(m.group(1));
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
    }

    /** The first certificate of a PEM text, PEM-encoded again (what is published beside a key). */
    public static String certificatePem(X509Certificate c) throws GeneralSecurityException {
        return "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(c.getEncoded())
                + "\n-----END CERTIFICATE-----\n";
    }

    /** A subject attribute (CN, OU, O) of a certificate, or null. */
    public static String subjectField(X509Certificate c, String field) {
        return io.imgfed.protocol.federation.CertificateNames.subjectField(c, field);
    }
}
