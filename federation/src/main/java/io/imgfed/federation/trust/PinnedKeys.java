package io.imgfed.federation.trust;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.federation.Ed25519;
import io.imgfed.protocol.federation.KeyRecord;
import io.imgfed.protocol.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trust on first use: the first key a DC announces is pinned (and kept on disk across restarts); a later
 * announcement of another key for that DC is refused. The fallback until a federation CA is configured.
 */
public final class PinnedKeys implements TrustPolicy {
    private static final Logger LOG = LoggerFactory.getLogger(PinnedKeys.class);

    private final Path file;
    private final Map<String, byte[]> pins = new ConcurrentHashMap<>();
    private final Map<String, PublicKey> keys = new ConcurrentHashMap<>();

    private PinnedKeys(Path file) {
        this.file = file;
    }

    /** Loads the pins of {@code <stateDir>/pinned-keys.json} and pins this DC's own key. */
    public static PinnedKeys load(Path stateDir, SigningIdentity self) throws IOException {
        PinnedKeys p = new PinnedKeys(stateDir.resolve("pinned-keys.json"));
        if (Files.exists(p.file)) {
            JsonNode o = Json.tree(Files.readAllBytes(p.file));
            o.fields().forEachRemaining(e -> {
                byte[] spki = Base64.getDecoder().decode(e.getValue().asText());
                PublicKey k = Ed25519.publicKey(spki);
                if (k != null) {
                    p.pins.put(e.getKey(), spki);
                    p.keys.put(e.getKey(), k);
                }
            });
        }
        byte[] own = self.publicKey().getEncoded();
        byte[] pinned = p.pins.get(self.dc());
        if (pinned != null && !Arrays.equals(pinned, own)) {
            throw new IOException("this DC's signing key differs from the one pinned for " + self.dc() + " in " + p.file);
        }
        p.pin(self.dc(), own, self.publicKey());
        return p;
    }

    @Override
    public synchronized Verdict admit(KeyRecord announcement) {
        byte[] spki = announcement.publicKey();
        PublicKey key = Ed25519.publicKey(spki);
        if (key == null) {
            return Verdict.reject("bad_key");
        }
        byte[] pinned = pins.get(announcement.dc());
        if (pinned == null) {
            pin(announcement.dc(), spki, key);
            LOG.info("pinned the record-signing key of DC {} (trust on first use)", announcement.dc());
            return Verdict.accept(key);
        }
        return Arrays.equals(pinned, spki) ? Verdict.accept(keys.get(announcement.dc())) : Verdict.reject("key_mismatch");
    }

    @Override
    public PublicKey keyFor(String dc) {
        return keys.get(dc);
    }

    private void pin(String dc, byte[] spki, PublicKey key) {
        if (pins.containsKey(dc)) {
            return;
        }
        pins.put(dc, spki);
        keys.put(dc, key);
        ObjectNode o = Json.object();
        pins.forEach((d, k) -> o.put(d, Base64.getEncoder().encodeToString(k)));
        try {
            SigningIdentity.writeAtomically(file, Json.bytes(o));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record pinned keys in " + file, e);
        }
    }
}
