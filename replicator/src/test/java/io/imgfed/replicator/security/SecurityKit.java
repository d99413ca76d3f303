package io.imgfed.replicator.security;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.imgfed.replicator.certs.FederationCa;
import io.imgfed.replicator.cli.Main;
import io.imgfed.replicator.testkit.ImgapiClient;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Helpers of the security tests: a federation CA made by the real CLI, SSH key lines, HTTP signatures, metrics. */
final class SecurityKit {
    private SecurityKit() {
    }

    /** {@code imgfed certs init} in {@code dir} and {@code imgfed certs issue} for each DC; returns {@code dir}. */
    static Path federationCa(Path dir, String... dcs) {
        assertEquals(0, Main.run("certs", "init", "--dir", dir.toString()), "certs init");
        for (String dc : dcs) {
            assertEquals(0, Main.run("certs", "issue", "--dir", dir.toString(), "--dc", dc), "certs issue " + dc);
        }
        return dir;
    }

    /** The per-DC YAML lines for mutual TLS between DCs and CA-rooted record trust. */
    static String dcSecurityYaml(Path certs, String dc) {
        return "peer: {tls: {cert: " + certs.resolve(dc + ".pem") + ", key: " + certs.resolve(dc + ".key") + ", ca: "
                + certs.resolve("ca.pem") + "}}\n"
                + "federation: {trust: " + certs.resolve("ca.pem") + ", signingKey: " + certs.resolve(dc + ".signing.pem")
                + "}\n";
    }

    // ---- OpenSSH public keys and IMGAPI HTTP signatures

    /** An OpenSSH public key line: ssh-rsa (string type, mpint e, mpint n) or ssh-ed25519 (string type, string key). */
    static String sshLine(PublicKey key, String comment) {
        ByteArrayOutputStream blob = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(blob)) {
            String type;
            if (key instanceof RSAPublicKey rsa) {
                type = "ssh-rsa";
                sshString(out, type.getBytes(StandardCharsets.US_ASCII));
                sshString(out, rsa.getPublicExponent().toByteArray());
                sshString(out, rsa.getModulus().toByteArray());
            } else if (key.getAlgorithm().equals("Ed25519") || key.getAlgorithm().equals("EdDSA")) {
                type = "ssh-ed25519";
                byte[] spki = key.getEncoded();
                sshString(out, type.getBytes(StandardCharsets.US_ASCII));
                sshString(out, Arrays.copyOfRange(spki, spki.length - 32, spki.length));
            } else {
                throw new IllegalArgumentException("unsupported key " + key.getAlgorithm());
            }
            out.flush();
            return type + " " + Base64.getEncoder().encodeToString(blob.toByteArray()) + " " + comment;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sshString(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    static String httpDate(Instant t) {
        return DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.ofInstant(t, ZoneOffset.UTC));
    }

    /** The Authorization header of a request signed as imgfed requires by default: over "(request-target) date". */
    static String signature(String keyId, String algorithm, PrivateKey key, String method, String target, String date) {
        return sign(keyId, algorithm, key, "(request-target) date",
                "(request-target): " + method.toLowerCase(java.util.Locale.ROOT) + " " + target + "\ndate: " + date);
    }

    /** The Authorization header sdc-clients sends: a signature of {@code date: <date>} alone. */
    static String dateOnlySignature(String keyId, String algorithm, PrivateKey key, String date) {
        return sign(keyId, algorithm, key, "date", "date: " + date);
    }

    /** An Authorization header signing {@code signingString} and naming {@code headers} as what it covers. */
    static String sign(String keyId, String algorithm, PrivateKey key, String headers, String signingString) {
        String jca = switch (algorithm) {
            case "rsa-sha256" -> "SHA256withRSA";
            case "rsa-sha1" -> "SHA1withRSA";
            case "ed25519", "ed25519-sha512" -> "Ed25519";
            case "ecdsa-sha256" -> "SHA256withECDSA";
            default -> throw new IllegalArgumentException(algorithm);
        };
        try {
            Signature s = Signature.getInstance(jca);
            s.initSign(key);
            s.update(signingString.getBytes(StandardCharsets.UTF_8));
            return "Signature keyId=\"" + keyId + "\",algorithm=\"" + algorithm + "\",headers=\"" + headers + "\",signature=\""
                    + Base64.getEncoder().encodeToString(s.sign()) + "\"";
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- metrics

    /** {@code imgfed_records_rejected_total{reason}} as scraped from a DC's /metrics (0 when absent). */
    static double rejected(ImgapiClient c, String reason) {
        return metric(c, "imgfed_records_rejected_total", "reason=\"" + reason + "\"");
    }

    static double metric(ImgapiClient c, String name, String labelPart) {
        ImgapiClient.Response r = c.get("/metrics");
        assertEquals(200, r.status(), "metrics");
        double sum = 0;
        for (String line : r.text().split("\n")) {
            if (line.startsWith(name + "{") && line.contains(labelPart)) {
                String[] parts = line.trim().split("\\s+");
                sum += Double.parseDouble(parts[parts.length - 1]);
            }
        }
        return sum;
    }

    // ---- certificates outside the CLI (what an attacker or a mistake could produce)

    /** A record-signing style certificate for {@code key}, CN=dc, issued by {@code issuerCert}/{@code issuerKey}. */
    static X509Certificate certificate(X509Certificate issuerCert, PrivateKey issuerKey, String dc, String unit,
            PublicKey key, Instant notBefore, Instant notAfter) {
        try {
            X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "imgfed").addRDN(BCStyle.OU, unit)
                    .addRDN(BCStyle.CN, dc).build();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuerCert, BigInteger.valueOf(System.nanoTime()),
                    Date.from(notBefore), Date.from(notAfter), subject, key);
            return new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String pem(X509Certificate c) {
        try {
            return "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(c.getEncoded())
                    + "\n-----END CERTIFICATE-----\n";
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static X509Certificate caCert(Path certs) throws Exception {
        return FederationCa.Pem.certificates(certs.resolve("ca.pem")).get(0);
    }

    static PrivateKey caKey(Path certs) throws Exception {
        return FederationCa.Pem.privateKey(certs.resolve("ca.key"));
    }

    static KeyPair ed25519() {
        try {
            return java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
