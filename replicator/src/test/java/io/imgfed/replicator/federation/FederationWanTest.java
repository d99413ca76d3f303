package io.imgfed.replicator.federation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.devtools.DelayProxy;
import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.FreePorts;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.PromMetrics;
import io.imgfed.replicator.testkit.TestFederation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Four DCs whose Hazelcast members reach each other only through delaying proxies, each member advertising its
 * proxy ({@code federation.advertise}) and listing the others' proxies: every link between two members holds
 * each chunk 150 ms one way (300 ms round trip, the farthest DC of the chaos suite's WAN). The members form
 * one cluster known by the proxies' addresses, gossip crosses, and the member list does not flap.
 */
class FederationWanTest {
    static final Duration ONE_WAY = Duration.ofMillis(150);
    static final List<String> DCS = List.of("a", "b", "c", "d");
    static final Duration FORM = Duration.ofSeconds(60);

    @TempDir
    static Path dir;
    static final Map<String, DelayProxy> proxies = new LinkedHashMap<>();
    static TestFederation fed;

    @BeforeAll
    static void start() {
        Map<String, Integer> fedPorts = new LinkedHashMap<>();
        for (String dc : DCS) {
            fedPorts.put(dc, FreePorts.next());
            proxies.put(dc, DelayProxy.start("127.0.0.1", fedPorts.get(dc), ONE_WAY));
        }
        List<String> members = new ArrayList<>();
        proxies.values().forEach(p -> members.add(p.address()));
        TestFederation.Builder b = TestFederation.builder(dir)
                .common("federation: {heartbeat: 1s, suspectAfter: 3s, goneAfter: 8s, members: [" + String.join(", ", members) + "]}\n");
        for (String dc : DCS) {
            b.dc(dc, "federation: {port: " + fedPorts.get(dc) + ", advertise: '" + proxies.get(dc).address() + "'}\n");
        }
        fed = b.start();
        Await.until("all four DCs to see each other alive", FORM, () -> {
            for (String dc : DCS) {
                JsonNode dcs = fed.client(dc).get("/federation/dcs").json();
                if (dcs.size() != DCS.size()) {
                    return false;
                }
                for (JsonNode d : dcs) {
                    if (!d.path("status").asText().equals("alive")) {
                        return false;
                    }
                }
            }
            return true;
        });
    }

    @AfterAll
    static void stop() {
        try {
            if (fed != null) {
                fed.close();
            }
        } finally {
            proxies.values().forEach(DelayProxy::close);
        }
    }

    @Test
    void membersBehindDelayingProxiesFormOneClusterKnownByTheirAdvertisedAddresses() {
        List<String> advertised = proxies.values().stream().map(DelayProxy::address).sorted().toList();
        Await.until("every member to list the four advertised addresses", FORM, () -> {
            for (String dc : DCS) {
                if (!fed.dc(dc).daemon().federation().clusterMemberAddresses().equals(advertised)) {
                    return false;
                }
            }
            return true;
        });
        for (String dc : DCS) {
            assertEquals(advertised, fed.dc(dc).daemon().federation().clusterMemberAddresses(), dc + "'s member list");
        }
        // Between two members one connection, opened by the one that joined later, through the other's proxy.
        for (String dc : List.of("a", "b", "c")) {
            assertTrue(proxies.get(dc).bytesForwarded() > 0, "the members that joined after " + dc + " reached it through its proxy");
        }
    }

    @Test
    void gossipCrossesTheDelayedLinksAndTheMemberListDoesNotFlap() throws InterruptedException {
        Await.until("every member to see all four", FORM, () -> DCS.stream()
                .allMatch(dc -> fed.dc(dc).daemon().federation().clusterMembers() == DCS.size()));
        Map<String, Double> changesBefore = new LinkedHashMap<>();
        for (String dc : DCS) {
            changesBefore.put(dc, topologyChanges(dc));
        }
        byte[] file = new byte[64 * 1024];
        new Random(12).nextBytes(file);
        String uuid = fed.client("d").activeImage("far-away", file);
        for (String dc : List.of("a", "b", "c")) {
            ImgapiClient api = fed.client(dc);
            Await.until("the image of d to be listed active in " + dc, Duration.ofSeconds(20), () -> {
                ImgapiClient.Response r = api.get("/images/" + uuid);
                return r.status() == 200 && r.json().path("state").asText().equals("active");
            });
        }
        // Several heartbeat periods at 300 ms round trips, sampled every half second (an observation window, not
        // a wait for something): every DC sees every other alive throughout, and no member left, joined or
        // merged back meanwhile.
        long until = System.nanoTime() + Duration.ofSeconds(6).toNanos();
        while (System.nanoTime() < until) {
            for (String dc : DCS) {
                for (JsonNode d : fed.client(dc).get("/federation/dcs").json()) {
                    assertEquals("alive", d.path("status").asText(), dc + " sees " + d.path("name").asText());
                }
            }
            Thread.sleep(500);
        }
        for (String dc : DCS) {
            assertEquals(changesBefore.get(dc), topologyChanges(dc), dc + ": the member list changed while no DC came or went");
            assertEquals(DCS.size(), fed.dc(dc).daemon().federation().clusterMembers(), dc + "'s cluster size");
        }
    }

    private static double topologyChanges(String dc) {
        PromMetrics m = PromMetrics.scrape(fed.client(dc));
        double sum = 0;
        for (String change : List.of("joined", "left", "merged")) {
            sum += m.value("imgfed_federation_topology_changes_total", "change", change);
        }
        return sum;
    }
}
