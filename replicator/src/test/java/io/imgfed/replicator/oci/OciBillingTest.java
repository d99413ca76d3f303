package io.imgfed.replicator.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.imgfed.devtools.DevKafkaBroker;
import io.imgfed.protocol.billing.TransferEvent;
import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.KafkaEvents;
import io.imgfed.replicator.testkit.TestFederation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A blob one DC pulls from another for a repository is billed in Kafka to the owner `oci.owners` gives that
 * repository (front oci, the blob's sha1, its bytes); a repository no prefix covers is billed with no owner.
 */
class OciBillingTest {
    static final String TEAM = "930896af-bf8c-48d4-885c-6573a94b1853";

    @TempDir
    Path dir;
    DevKafkaBroker kafka;
    TestFederation fed;

    @AfterEach
    void stop() {
        if (fed != null) {
            fed.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    private static String push(OciClient to, String repo, byte[] layer) {
        byte[] config = ("{\"os\":\"linux\",\"n\":" + layer.length + "}").getBytes(StandardCharsets.UTF_8);
        String c = to.pushBlob(repo, config);
        String l = to.pushBlob(repo, layer);
        assertEquals(201, to.send("PUT", "/v2/" + repo + "/manifests/1.0",
                OciClient.imageManifest(c, config.length, l, String.valueOf(layer.length)),
                "Content-Type", "application/vnd.oci.image.manifest.v1+json").status());
        return l;
    }

    @Test
    void aPulledBlobIsBilledToItsRepositorysOwner() {
        kafka = DevKafkaBroker.start(dir.resolve("kafka"));
        kafka.createTopic("imgfed.transfers", 3);
        fed = TestFederation.withConfig(dir.resolve("fed"), "billing: {kafka: {bootstrap: \"" + kafka.bootstrap()
                + "\"}}\noci: {owners: {team: " + TEAM + "}}\n", "a", "b");
        OciClient a = new OciClient(fed.dc("a").url());
        OciClient b = new OciClient(fed.dc("b").url());
        byte[] owned = new byte[2 << 20];
        byte[] orphan = new byte[1 << 20];
        new Random(1).nextBytes(owned);
        new Random(2).nextBytes(orphan);
        String ownedDigest = push(a, "team/app", owned);
        String orphanDigest = push(a, "misc/tool", orphan);
        for (String pull : List.of("/v2/team/app/blobs/" + ownedDigest, "/v2/misc/tool/blobs/" + orphanDigest)) {
            Await.until("b serves " + pull, Duration.ofSeconds(60), () -> b.send("GET", pull, null).status() == 200);
        }

        List<TransferEvent> events = Await.value("both pulls billed", Duration.ofSeconds(60), () -> {
            List<TransferEvent> e = KafkaEvents.all(kafka.bootstrap(), "imgfed.transfers", Duration.ofSeconds(2)).stream()
                    .filter(x -> x.type() == TransferEvent.Type.COMPLETED).toList();
            return e.size() >= 2 ? e : null;
        });
        TransferEvent teamEvent = events.stream().filter(e -> e.bytes() == owned.length).findFirst().orElseThrow();
        assertEquals(TEAM, teamEvent.owner());
        assertEquals("oci", teamEvent.front());
        assertEquals("a", teamEvent.sourceDc());
        assertEquals("b", teamEvent.destDc());
        assertNull(teamEvent.imageUuid());
        TransferEvent orphanEvent = events.stream().filter(e -> e.bytes() == orphan.length).findFirst().orElseThrow();
        assertNull(orphanEvent.owner(), "misc/ is no configured prefix");
        assertEquals("oci", orphanEvent.front());
    }
}
