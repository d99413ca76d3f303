package io.imgfed.federation.trust;

import io.imgfed.protocol.federation.Ed25519;
import io.imgfed.protocol.federation.KeyRecord;
import io.imgfed.protocol.federation.RecordFormat;
import io.imgfed.transfer.store.DurableDirectories;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This DC's record-signing key. Without a configured key, one is generated at first start and kept in the
 * state dir (owner-only permissions), so a restarted DC signs with the key the others pinned.
 */
public final class SigningIdentity {
    private static final Logger LOG = LoggerFactory.getLogger(SigningIdentity.class);

    private final String dc;
    private final PrivateKey privateKey;
    private final PublicKey publicKey;
    private final String certificatePem;

    public SigningIdentity(String dc, PrivateKey privateKey, PublicKey publicKey, String certificatePem) {
        this.dc = dc;
        this.privateKey = privateKey;
        this.publicKey = publicKey;
        this.certificatePem = certificatePem;
    }

    /** Loads {@code <stateDir>/signing.key}, generating and durably storing a new key on first start. */
    public static SigningIdentity loadOrGenerate(String dc, Path stateDir) throws IOException {
        Path file = stateDir.resolve("signing.key");
        DurableDirectories.create(stateDir); // else a power cut can take the new key's folder, and the key, with it
        try {
            if (Files.exists(file)) {
                PrivateKey priv = Ed25519.privateKey(Files.readAllBytes(file));
                PublicKey pub = Ed25519.publicKey(Files.readAllBytes(stateDir.resolve("signing.pub")));
                if (pub == null) {
                    throw new IOException(stateDir.resolve("signing.pub") + " is not an Ed25519 public key");
                }
                return new SigningIdentity(dc, priv, pub, null);
            }
        } catch (GeneralSecurityException e) {
            throw new IOException(file + " is not an Ed25519 private key: " + e.getMessage(), e);
        }
        KeyPair kp = Ed25519.generate();
        writeAtomically(stateDir.resolve("signing.pub"), kp.getPublic().getEncoded());
        writeAtomically(file, kp.getPrivate().getEncoded());
        LOG.info("generated a new record-signing key for DC {} in {}", dc, file);
        return new SigningIdentity(dc, kp.getPrivate(), kp.getPublic(), null);
    }

    /**
     * Loads a DC's certified signing key: a PEM file with the Ed25519 private key and the CA's certificate of
     * its public key (what {@code imgfed certs issue} writes). Refuses a key the CA did not certify for this DC.
     */
    public static SigningIdentity fromCertifiedPem(String dc, Path pemFile, CaTrust trust) throws IOException {
        try {
            String pem = Files.readString(pemFile, java.nio.charset.StandardCharsets.US_ASCII);
            PrivateKey priv = PemFiles.privateKey(pem, "Ed25519");
            java.security.cert.X509Certificate cert = PemFiles.certificates(pem).get(0);
            String problem = trust.check(cert, dc);
            if (problem != null) {
                throw new IOException(pemFile + ": the signing certificate does not vouch for DC " + dc + " (" + problem + ")");
            }
            PublicKey pub = cert.getPublicKey();
            byte[] probe = "imgfed-key-check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            if (!io.imgfed.protocol.federation.Ed25519.verify(pub, probe, io.imgfed.protocol.federation.Ed25519.sign(priv, probe))) {
                throw new IOException(pemFile + ": the private key does not match its certificate");
            }
            return new SigningIdentity(dc, priv, pub, PemFiles.certificatePem(cert));
        } catch (GeneralSecurityException | IndexOutOfBoundsException e) {
            throw new IOException(pemFile + " is not a signing key with its certificate: " + e.getMessage(), e);
        }
    }

    /** Writes a file so that a crash leaves the old content or the new, never a torn one. Owner-only. */
    static void writeAtomically(Path target, byte[] content) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(content));
            ch.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel dir = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    public String dc() {
        return dc;
    }

    public PrivateKey privateKey() {
        return privateKey;
    }

    public PublicKey publicKey() {
        return publicKey;
    }

    /** The record announcing this key (and its certificate, with CA trust). */
    public KeyRecord keyRecord() {
        return new KeyRecord(dc, publicKey.getEncoded(), certificatePem, RecordFormat.COMPACT.number());
    }

    static PublicKey decode(byte[] spki) throws GeneralSecurityException {
        return java.security.KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
    }
}
