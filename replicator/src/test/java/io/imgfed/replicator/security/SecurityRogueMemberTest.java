package io.imgfed.replicator.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.replicatedmap.ReplicatedMap;
import io.imgfed.federation.board.FederationNode;
import io.imgfed.federation.trust.PemFiles;
import io.imgfed.protocol.federation.AvailabilityRecord;
import io.imgfed.protocol.federation.DcRecord;
import io.imgfed.protocol.federation.FileState;
import io.imgfed.protocol.federation.KeyRecord;
import io.imgfed.protocol.federation.RecordKind;
import io.imgfed.protocol.federation.SignedRecord;
import io.imgfed.protocol.json.Json;
import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.FreePorts;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.TestFederation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rogue member joins the federation's Hazelcast cluster (which open-source Hazelcast cannot authenticate) and
 * writes forged, unsigned and wrongly-signed records straight into the board. With CA-rooted trust every DC
 * ignores them, counts them by reason, and DC a's real records survive or are put back.
 */
class SecurityRogueMemberTest {
    private static final Duration CONVERGE = Duration.ofSeconds(15);
    private static final String[] DCS = {"a", "b", "c"};
    private static final String CLUSTER = "sec-rogue";

    @TempDir
    static Path dir;
    static Path certs;
    static Path otherCa;
    static TestFederation fed;
    static HazelcastInstance rogue;
    static ReplicatedMap<String, byte[]> board;
    static byte[] file;
    static String legit;
    static String legitSha1;

    @BeforeAll
    static void start() {
        certs = SecurityKit.federationCa(dir.resolve("certs"), DCS);
        otherCa = SecurityKit.federationCa(dir.resolve("other-ca"), "a");
        TestFederation.Builder b = TestFederation.builder(dir.resolve("dcs")).common("federation: {cluster: " + CLUSTER + "}\n");
        for (String dc : DCS) {
            b.dc(dc, SecurityKit.dcSecurityYaml(certs, dc));
        }
        fed = b.start();
        file = new byte[64 * 1024 + 3];
        new Random(11).nextBytes(file);
        legit = fed.client("a").activeImage("legit", file);
        legitSha1 = ImgapiClient.sha1(file);
        for (String dc : new String[] {"b", "c"}) {
            Await.until(dc + " sees a's image and file", CONVERGE, () -> availability(dc, legit).path("dcs").path("a")
                    .path("state").asText().equals("present"));
        }
        rogue = Hazelcast.newHazelcastInstance(rogueConfig());
        board = rogue.getReplicatedMap(FederationNode.BOARD);
        Await.until("the rogue member holds the board", CONVERGE, () -> board.containsKey("k/a")
                && board.containsKey("m/a/" + legit));
    }

    @AfterAll
    static void stop() {
        try {
            if (rogue != null) {
                rogue.shutdown();
            }
        } finally {
            if (fed != null) {
                fed.close();
            }
        }
    }

    /** A plain Hazelcast member, configured like a DC's but with no imgfed in it: same cluster name, TCP join. */
    private static Config rogueConfig() {
        Config cfg = new Config();
        cfg.setClusterName(CLUSTER);
        cfg.setInstanceName("rogue-" + UUID.randomUUID());
        cfg.setProperty("hazelcast.logging.type", "slf4j");
        cfg.setProperty("hazelcast.phone.home.enabled", "false");
        cfg.setProperty("hazelcast.shutdownhook.enabled", "false");
        cfg.setProperty("hazelcast.wait.seconds.before.join", "0");
        cfg.setProperty("hazelcast.max.wait.seconds.before.join", "0");
        cfg.setProperty("hazelcast.local.localAddress", "127.0.0.1");
        cfg.setProperty("hazelcast.partition.count", "31");
        cfg.getJetConfig().setEnabled(false);
        NetworkConfig net = cfg.getNetworkConfig();
        net.setPort(FreePorts.next()).setPortAutoIncrement(false);
        net.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        JoinConfig join = net.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        List<String> members = new ArrayList<>();
        for (String dc : DCS) {
            members.add("127.0.0.1:" + fed.federationPort(dc));
        }
        join.getTcpIpConfig().setEnabled(true).setMembers(members);
        return cfg;
    }

    private static JsonNode availability(String dc, String uuid) {
        JsonNode arr = fed.client(dc).get("/federation/availability?uuid=" + uuid).json();
        return arr.size() == 1 ? arr.get(0) : Json.object();
    }

    /** A version newer than anything the DCs published, so no receiver drops a forgery as merely stale. */
    private static long version() {
        return (System.currentTimeMillis() + 3_600_000L) * 1000;
    }

    private static byte[] signed(RecordKind kind, String dc, String id, byte[] payload, PrivateKey key) {
        return SignedRecord.sign(kind, dc, id, version(), System.currentTimeMillis(), payload, key).encode();
    }

    private static byte[] keyAnnouncement(String dc, KeyPair signer, PublicKey announced, String certPem) {
        return signed(RecordKind.KEY, dc, "", new KeyRecord(dc, announced.getEncoded(), certPem).toPayload(), signer.getPrivate());
    }

    private static Map<String, Map<String, Double>> counters(String... reasons) {
        Map<String, Map<String, Double>> out = new LinkedHashMap<>();
        for (String dc : DCS) {
            Map<String, Double> m = new LinkedHashMap<>();
            for (String r : reasons) {
                m.put(r, SecurityKit.rejected(fed.client(dc), r));
            }
            out.put(dc, m);
        }
        return out;
    }

    private static void awaitRise(Map<String, Map<String, Double>> before, String dc, String reason, int by) {
        Await.until("DC " + dc + " counts " + by + " more rejection(s) as " + reason, CONVERGE,
                () -> SecurityKit.rejected(fed.client(dc), reason) >= before.get(dc).get(reason) + by);
    }

    private static void awaitRestored(String key, byte[] original) {
        Await.until("a's own record " + key + " is back on the board", CONVERGE,
                () -> java.util.Arrays.equals(board.get(key), original));
    }

    @Test
    void forgedKeyAnnouncementsForDcAAreRejectedEverywhere() throws Exception {
        byte[] originalKey = board.get("k/a");
        Map<String, Map<String, Double>> before = counters("not_certified", "wrong_dc", "key_mismatch", "expired",
                "bad_signature");
        KeyPair rogueKey = SecurityKit.ed25519();

        // 1. A new key for DC a without any certificate.
        board.put("k/a", keyAnnouncement("a", rogueKey, rogueKey.getPublic(), null));
        for (String dc : new String[] {"b", "c"}) {
            awaitRise(before, dc, "not_certified", 1);
        }
        awaitRise(before, "a", "bad_signature", 1);
        awaitRestored("k/a", originalKey);

        // 2. A new key for DC a with a certificate (CN=a, OU=record-signing) from another CA.
        X509Certificate foreign = PemFiles.certificates(Files.readString(otherCa.resolve("a.signing.pem"))).get(0);
        X509Certificate foreignForRogue = SecurityKit.certificate(SecurityKit.caCert(otherCa), SecurityKit.caKey(otherCa),
                "a", "record-signing", rogueKey.getPublic(), Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600));
        board.put("k/a", keyAnnouncement("a", rogueKey, rogueKey.getPublic(), SecurityKit.pem(foreignForRogue)));
        for (String dc : new String[] {"b", "c"}) {
            awaitRise(before, dc, "not_certified", 2);
        }
        awaitRestored("k/a", originalKey);
        assertEquals("a", io.imgfed.protocol.federation.CertificateNames.subjectField(foreign, "CN"));

        // 3. DC b's real signing key and certificate, announced as DC a's (what a compromised b could try).
        String bPem = Files.readString(certs.resolve("b.signing.pem"));
        PrivateKey bKey = PemFiles.privateKey(bPem, "Ed25519");
        X509Certificate bCert = PemFiles.certificates(bPem).get(0);
        KeyPair bPair = new KeyPair(bCert.getPublicKey(), bKey);
        board.put("k/a", keyAnnouncement("a", bPair, bCert.getPublicKey(), SecurityKit.pem(bCert)));
        awaitRise(before, "c", "wrong_dc", 1);
        awaitRise(before, "b", "wrong_dc", 1);
        awaitRestored("k/a", originalKey);

        // 4. DC a's real certificate beside the rogue's key: the certificate is not of the announced key.
        X509Certificate aCert = PemFiles.certificates(Files.readString(certs.resolve("a.signing.pem"))).get(0);
        board.put("k/a", keyAnnouncement("a", rogueKey, rogueKey.getPublic(), SecurityKit.pem(aCert)));
        for (String dc : new String[] {"b", "c"}) {
            awaitRise(before, dc, "key_mismatch", 1);
        }
        awaitRestored("k/a", originalKey);

        // 5. A certificate from the real CA that has expired (say, of a retired DC's leaked key).
        X509Certificate expired = SecurityKit.certificate(SecurityKit.caCert(certs), SecurityKit.caKey(certs), "a",
                "record-signing", rogueKey.getPublic(), Instant.now().minusSeconds(7200), Instant.now().minusSeconds(3600));
        board.put("k/a", keyAnnouncement("a", rogueKey, rogueKey.getPublic(), SecurityKit.pem(expired)));
        for (String dc : new String[] {"b", "c"}) {
            awaitRise(before, dc, "expired", 1);
        }
        awaitRestored("k/a", originalKey);

        // After all that, a's records are still believed: a new image of a reaches b and c.
        String after = fed.client("a").activeImage("after-key-forgeries", "after".getBytes(StandardCharsets.US_ASCII));
        for (String dc : new String[] {"b", "c"}) {
            Await.until(dc + " accepts a's new image", CONVERGE, () -> fed.client(dc).get("/images/" + after).status() == 200);
        }
    }

    @Test
    void manifestsAndAvailabilitySignedByARogueKeyAreIgnored() throws Exception {
        Map<String, Map<String, Double>> before = counters("bad_signature", "malformed", "unknown_key", "not_certified");
        KeyPair rogueKey = SecurityKit.ed25519();
        SignedRecord real = SignedRecord.decode(board.get("m/a/" + legit));
        byte[] originalManifest = board.get("m/a/" + legit);
        byte[] originalAvailability = board.get("a/a/" + legitSha1);

        // A new image "published by a", and a's real image made public and renamed, both signed by the rogue.
        String forgedUuid = UUID.randomUUID().toString();
        ObjectNode payload = (ObjectNode) real.payloadJson().deepCopy();
        payload.put("uuid", forgedUuid);
        ObjectNode fields = (ObjectNode) payload.path("manifest").path("fields");
        fields.put("uuid", forgedUuid);
        fields.put("name", "forged");
        fields.put("public", true);
        board.put("m/a/" + forgedUuid, signed(RecordKind.MANIFEST, "a", forgedUuid, Json.bytes(payload), rogueKey.getPrivate()));

        ObjectNode hijack = (ObjectNode) real.payloadJson().deepCopy();
        ((ObjectNode) hijack.path("manifest").path("fields")).put("name", "hijacked").put("public", true);
        board.put("m/a/" + legit, signed(RecordKind.MANIFEST, "a", legit, Json.bytes(hijack), rogueKey.getPrivate()));

        // Availability: a "no longer has" its file; b and c "have" it.
        board.put("a/a/" + legitSha1, signed(RecordKind.AVAILABILITY, "a", legitSha1,
                new AvailabilityRecord(legitSha1, FileState.ABSENT, 0, 0).toPayload(), rogueKey.getPrivate()));
        for (String dc : new String[] {"b", "c"}) {
            board.put("a/" + dc + "/" + legitSha1, signed(RecordKind.AVAILABILITY, dc, legitSha1,
                    new AvailabilityRecord(legitSha1, FileState.PRESENT, 1, file.length).toPayload(), rogueKey.getPrivate()));
        }

        // Unsigned garbage, a record with a zeroed signature, and a record filed under another DC's key.
        String garbageUuid = UUID.randomUUID().toString();
        board.put("m/a/" + garbageUuid, "this is not a record".getBytes(StandardCharsets.US_ASCII));
        ObjectNode zeroed = (ObjectNode) Json.tree(signed(RecordKind.MANIFEST, "a", forgedUuid, Json.bytes(payload),
                rogueKey.getPrivate()));
        zeroed.put("s", java.util.Base64.getEncoder().encodeToString(new byte[64]));
        String zeroUuid = UUID.randomUUID().toString();
        zeroed.put("id", zeroUuid);
        board.put("m/a/" + zeroUuid, Json.bytes(zeroed));
        board.put("m/b/" + forgedUuid, board.get("m/a/" + forgedUuid));

        // A DC the CA never certified: its key announcement and its records.
        board.put("k/x", keyAnnouncement("x", rogueKey, rogueKey.getPublic(), null));
        board.put("d/x", signed(RecordKind.DC, "x", "", new DcRecord("x", "127.0.0.1:1", "rogue", 1, 0, 0, 0).toPayload(),
                rogueKey.getPrivate()));
        String xUuid = UUID.randomUUID().toString();
        ObjectNode xPayload = payload.deepCopy();
        xPayload.put("uuid", xUuid);
        ((ObjectNode) xPayload.path("manifest").path("fields")).put("uuid", xUuid);
        ((ObjectNode) xPayload.path("manifest")).put("home_dc", "x");
        board.put("m/x/" + xUuid, signed(RecordKind.MANIFEST, "x", xUuid, Json.bytes(xPayload), rogueKey.getPrivate()));

        for (String dc : DCS) {
            // Two rogue manifests of a, three availability records, one zeroed signature.
            awaitRise(before, dc, "bad_signature", 6);
            // Garbage, and a record under a key that is not its own.
            awaitRise(before, dc, "malformed", 2);
            awaitRise(before, dc, "not_certified", 1);
            // Records of x wait for x's key a few seconds, then count as signed by an unknown key.
            awaitRise(before, dc, "unknown_key", 2);
        }
        awaitRestored("m/a/" + legit, originalManifest);
        awaitRestored("a/a/" + legitSha1, originalAvailability);

        for (String dc : DCS) {
            ImgapiClient c = fed.client(dc);
            for (String u : new String[] {forgedUuid, garbageUuid, zeroUuid, xUuid}) {
                assertEquals(404, c.get("/images/" + u).status(), dc + " must not know " + u);
            }
            String all = c.get("/images?state=all").text();
            assertFalse(all.contains(forgedUuid) || all.contains(xUuid) || all.contains("forged") || all.contains("hijacked"),
                    dc + " lists a forgery: " + all);
            JsonNode img = c.get("/images/" + legit).json();
            assertEquals("legit", img.path("name").asText(), dc + ": " + img);
            assertFalse(img.path("public").asBoolean(), dc + ": " + img);
            JsonNode avail = availability(dc, legit).path("dcs");
            assertEquals("present", avail.path("a").path("state").asText(), dc + ": " + avail);
            assertEquals("absent", avail.path("b").path("state").asText(), dc + ": " + avail);
            assertEquals("absent", avail.path("c").path("state").asText(), dc + ": " + avail);
            for (JsonNode d : c.get("/federation/dcs").json()) {
                assertTrue(List.of(DCS).contains(d.path("name").asText()), dc + " lists DC " + d);
            }
        }
        // The file still comes from a, whose availability was never believed withdrawn.
        ImgapiClient.Response got = fed.client("c").get("/images/" + legit + "/file");
        assertEquals(200, got.status(), got.toString());
        assertEquals("a", got.header("X-Imgfed-Source"));
        assertArrayEquals(file, got.body());
    }
}
