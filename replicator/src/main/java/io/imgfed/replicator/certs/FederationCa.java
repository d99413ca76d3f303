package io.imgfed.replicator.certs;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;

/**
 * The federation's certificate authority, as files in one folder: {@code ca.pem} and {@code ca.key}, and per
 * DC {@code <dc>.pem} (TLS certificate, EC P-256, the DC's name as its subject CN and in its SANs, chained to
 * the CA), {@code <dc>.key}, and {@code <dc>.signing.pem} (the DC's Ed25519 record-signing key together with
 * the CA's certificate of it). Private keys are written owner-only; nothing is overwritten unless forced.
 */
public final class FederationCa {
    public static final String CA_CERT = "ca.pem";
    public static final String CA_KEY = "ca.key";
    private static final Duration CA_VALIDITY = Duration.ofDays(3650);
    private static final Duration DC_VALIDITY = Duration.ofDays(825);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final X509Certificate caCert;
    private final PrivateKey caKey;

    private FederationCa(X509Certificate caCert, PrivateKey caKey) {
        this.caCert = caCert;
        this.caKey = caKey;
    }

    /** What {@link #issue} wrote. */
    public record Issued(Path tlsCert, Path tlsKey, Path signing) {
    }

    /** Creates a new CA in {@code dir}. */
    public static FederationCa init(Path dir, boolean force) throws IOException, GeneralSecurityException {
        Files.createDirectories(dir);
        refuseOverwrite(force, dir.resolve(CA_CERT), dir.resolve(CA_KEY));
        KeyPair kp = ecKeyPair();
        X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "imgfed")
                .addRDN(BCStyle.CN, "imgfed federation CA").build();
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(),
                Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(CA_VALIDITY)), name, kp.getPublic());
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
        X509Certificate cert = sign(b, kp.getPrivate());
        writeSecret(dir.resolve(CA_KEY), pem(kp.getPrivate()));
        writePublic(dir.resolve(CA_CERT), pem(cert));
        return new FederationCa(cert, kp.getPrivate());
    }

    /** Loads the CA of {@code dir}. */
    public static FederationCa load(Path dir) throws IOException, GeneralSecurityException {
        Path cert = dir.resolve(CA_CERT);
        Path key = dir.resolve(CA_KEY);
        if (!Files.exists(cert) || !Files.exists(key)) {
            throw new IOException("no federation CA in " + dir + " (run: imgfed certs init --dir " + dir + ")");
        }
        return new FederationCa(Pem.certificates(cert).get(0), Pem.privateKey(key));
    }

    /**
     * Issues a DC's TLS certificate (SANs: the DC name, {@code localhost}, 127.0.0.1 and {@code extraSans})
     * and its record-signing key.
     */
    public Issued issue(Path dir, String dc, List<String> extraSans, boolean force) throws IOException, GeneralSecurityException {
        Path tlsCert = dir.resolve(dc + ".pem");
        Path tlsKey = dir.resolve(dc + ".key");
        Path signing = dir.resolve(dc + ".signing.pem");
        refuseOverwrite(force, tlsCert, tlsKey, signing);

        KeyPair tls = ecKeyPair();
        JcaX509v3CertificateBuilder b = leaf(dc, "datacenter", tls.getPublic());
        List<GeneralName> sans = new ArrayList<>();
        sans.add(new GeneralName(GeneralName.dNSName, dc));
        sans.add(new GeneralName(GeneralName.dNSName, "localhost"));
        sans.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
        for (String s : extraSans) {
            boolean ip = isIpLiteral(s);
            sans.add(new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, s));
        }
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(new GeneralName[0])));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
        b.addExtension(Extension.extendedKeyUsage, false,
                new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
        X509Certificate tlsCertificate = sign(b, caKey);

        KeyPair rec = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        JcaX509v3CertificateBuilder sb = leaf(dc, "record-signing", rec.getPublic());
        sb.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        X509Certificate signingCert = sign(sb, caKey);

        writeSecret(tlsKey, pem(tls.getPrivate()));
        writePublic(tlsCert, pem(tlsCertificate) + pem(caCert));
        writeSecret(signing, pem(rec.getPrivate()) + pem(signingCert));
        return new Issued(tlsCert, tlsKey, signing);
    }

    private JcaX509v3CertificateBuilder leaf(String dc, String unit, PublicKey key) throws GeneralSecurityException {
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "imgfed").addRDN(BCStyle.OU, unit)
                .addRDN(BCStyle.CN, dc).build();
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caCert, serial(),
                Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(DC_VALIDITY)), subject, key);
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(caCert));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(key));
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
        return b;
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder b, PrivateKey key) throws GeneralSecurityException {
        try {
            X509CertificateHolder holder = b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key));
            return new JcaX509CertificateConverter().getCertificate(holder);
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static KeyPair ecKeyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return g.generateKeyPair();
    }

    private static BigInteger serial() {
        return new BigInteger(96, RANDOM).abs().add(BigInteger.ONE);
    }

    private static boolean isIpLiteral(String s) {
        if (!s.matches("^[0-9.]+$") && !s.contains(":")) {
            return false;
        }
        try {
            InetAddress.getByName(s);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void refuseOverwrite(boolean force, Path... files) throws IOException {
        if (force) {
            return;
        }
        for (Path f : files) {
            if (Files.exists(f)) {
                throw new FileAlreadyExistsException(f + " exists (use --force to replace it)");
            }
        }
    }

    /** PEM of a certificate, or of a private key as PKCS#8 ({@code BEGIN PRIVATE KEY}), which Vert.x and the JDK read. */
    static String pem(Object o) throws IOException {
        if (o instanceof PrivateKey k) {
            return "-----BEGIN PRIVATE KEY-----\n"
                    + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(k.getEncoded())
                    + "\n-----END PRIVATE KEY-----\n";
        }
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
            pw.writeObject(o);
        }
        return w.toString();
    }

    private static void writeSecret(Path f, String content) throws IOException {
        write(f, content, "rw-------");
    }

    private static void writePublic(Path f, String content) throws IOException {
        write(f, content, "rw-r--r--");
    }

    /** Writes through a temp file with the final permissions, fsynced, then renamed: never a torn or readable key. */
    private static void write(Path f, String content, String perms) throws IOException {
        Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(perms)));
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(content.getBytes(StandardCharsets.US_ASCII)));
            ch.force(true);
        }
        Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    public X509Certificate certificate() {
        return caCert;
    }

    /** Reads PEM files (Bouncy Castle's parser): certificates and a private key. */
    public static final class Pem {
        private Pem() {
        }

        public static List<X509Certificate> certificates(Path file) throws IOException, GeneralSecurityException {
            List<X509Certificate> out = new ArrayList<>();
            try (PEMParser p = new PEMParser(Files.newBufferedReader(file, StandardCharsets.US_ASCII))) {
                Object o;
                while ((o = p.readObject()) != null) {
                    if (o instanceof X509CertificateHolder h) {
                        out.add(new JcaX509CertificateConverter().getCertificate(h));
                    }
                }
            }
            if (out.isEmpty()) {
                throw new IOException(file + " holds no certificate");
            }
            return out;
        }

        public static PrivateKey privateKey(Path file) throws IOException {
            try (PEMParser p = new PEMParser(Files.newBufferedReader(file, StandardCharsets.US_ASCII))) {
                Object o;
                while ((o = p.readObject()) != null) {
                    if (o instanceof PrivateKeyInfo info) {
                        return new JcaPEMKeyConverter().getPrivateKey(info);
                    }
                    if (o instanceof org.bouncycastle.openssl.PEMKeyPair kp) {
                        return new JcaPEMKeyConverter().getKeyPair(kp).getPrivate();
                    }
                }
            }
            throw new IOException(file + " holds no private key");
        }
    }
}
