package io.imgfed.replicator.api;

import static io.imgfed.replicator.testkit.ApiAsserts.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.ImgapiClient.Response;
import io.imgfed.replicator.testkit.TestDaemon;
import io.imgfed.replicator.testkit.TmpfsDir;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ListImages over more than 1000 images, paged exactly as sdc-clients pages ({@code limit=1000&marker=<uuid of the
 * last item>}, drop the first item when it is the marker, stop on a short page): every image is seen exactly once,
 * in published_at-then-uuid order. Many images share a published_at, so the uuid tie-break decides page edges.
 */
class ListImagesPagingTest {
    /** 1000 + 999: the second page is exactly full, so the client needs a third page holding only the marker. */
    private static final int IMPORTED = 1999;
    private static final int UNPUBLISHED = 30;

    @TempDir
    static Path diskDir;
    static Path dir;
    static TestDaemon daemon;
    static ImgapiClient api;
    /** Every image as (published_at or null, uuid, name), in the order ListImages must return them. */
    static List<Entry> expected = new ArrayList<>();

    record Entry(String publishedAt, String uuid, String name) {
        String sortKey() {
            return (publishedAt == null ? "~" : publishedAt) + " " + uuid;
        }
    }

    @BeforeAll
    static void start() throws Exception {
        // Thousands of catalog writes, each fsynced: on tmpfs when there is one, so the suite stays fast.
        dir = TmpfsDir.create("imgfed-paging", diskDir);
        daemon = TestDaemon.start(dir);
        api = daemon.client();
        Random random = new Random(5);
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < IMPORTED; i++) {
            // ~250 distinct times for ~2000 images: long runs of equal published_at.
            int minute = random.nextInt(250);
            String at = String.format("2022-03-04T%02d:%02d:00.000Z", minute / 60, minute % 60);
            String name = (i % 13 == 0 ? "special-" : "img-") + i;
            entries.add(new Entry(at, UUID.randomUUID().toString(), name));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> jobs = new ArrayList<>();
            for (Entry e : entries) {
                jobs.add(pool.submit(() -> {
                    ObjectNode m = ImgapiClient.manifest(e.name(), "1.0.0");
                    m.put("uuid", e.uuid());
                    m.put("published_at", e.publishedAt());
                    Response r = api.post("/images/" + e.uuid() + "?action=import", m);
                    if (r.status() != 200) {
                        throw new AssertionError("import failed: " + r);
                    }
                }));
            }
            for (int i = 0; i < UNPUBLISHED; i++) {
                String name = "unpublished-" + i;
                jobs.add(pool.submit(() -> {
                    String uuid = api.create(ImgapiClient.manifest(name, "1.0.0"));
                    synchronized (entries) {
                        entries.add(new Entry(null, uuid, name));
                    }
                }));
            }
            for (Future<?> f : jobs) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        entries.sort(Comparator.comparing(Entry::sortKey));
        expected = entries;
    }

    @AfterAll
    static void stop() {
        try {
            daemon.close();
        } finally {
            TmpfsDir.delete(dir, diskDir);
        }
    }

    /** sdc-clients' listImages paging loop; returns every item in the order received, and the number of requests. */
    private static List<JsonNode> pageLikeSdcClients(String filters, int limit, int[] requests) {
        List<JsonNode> all = new ArrayList<>();
        String marker = null;
        while (true) {
            String q = "/images?" + (filters.isEmpty() ? "" : filters + "&") + "limit=" + limit
                    + (marker == null ? "" : "&marker=" + marker);
            Response r = api.get(q);
            assertEquals(200, r.status(), r.toString());
            requests[0]++;
            List<JsonNode> page = new ArrayList<>();
            r.json().forEach(page::add);
            int got = page.size();
            if (marker != null && !page.isEmpty() && page.get(0).path("uuid").asText().equals(marker)) {
                page.remove(0);
            }
            all.addAll(page);
            if (got < limit) {
                return all;
            }
            marker = page.isEmpty() ? marker : page.get(page.size() - 1).path("uuid").asText();
            if (requests[0] > 100) {
                throw new AssertionError("paging does not end");
            }
        }
    }

    private static List<String> uuids(List<JsonNode> items) {
        return items.stream().map(n -> n.path("uuid").asText()).toList();
    }

    @Test
    void sdcClientsPagingSeesEveryImageExactlyOnceInOrder() {
        int[] requests = {0};
        List<JsonNode> all = pageLikeSdcClients("state=all", 1000, requests);
        List<String> got = uuids(all);
        assertEquals(expected.size(), got.size(), "images seen");
        assertEquals(got.size(), new HashSet<>(got).size(), "an image was seen twice");
        assertEquals(expected.stream().map(Entry::uuid).toList(), got, "order is published_at, then uuid; unpublished last");
        assertEquals(3, requests[0], "1000 + 999 new + (only the marker): three requests");
    }

    @Test
    void defaultLimitIs1000() {
        Response r = api.get("/images?state=all");
        assertEquals(200, r.status());
        assertEquals(1000, r.json().size());
        assertEquals(expected.get(0).uuid(), r.json().get(0).path("uuid").asText());
        assertEquals(expected.get(999).uuid(), r.json().get(999).path("uuid").asText());
    }

    @Test
    void markerIsInclusive() {
        Entry m = expected.get(1234);
        Response r = api.get("/images?state=all&limit=5&marker=" + m.uuid());
        assertEquals(200, r.status());
        List<String> got = new ArrayList<>();
        r.json().forEach(n -> got.add(n.path("uuid").asText()));
        assertEquals(expected.subList(1234, 1239).stream().map(Entry::uuid).toList(), got);
    }

    @Test
    void smallPagesWithAFilterSeeEachMatchOnce() {
        int[] requests = {0};
        List<String> got = uuids(pageLikeSdcClients("state=all&name=~special-", 10, requests));
        List<String> want = expected.stream().filter(e -> e.name().startsWith("special-")).map(Entry::uuid).toList();
        assertEquals(want, got);
        assertTrue(requests[0] > want.size() / 10, "paged in small pages");
    }

    @Test
    void unpublishedImagesComeLastByUuid() {
        Response r = api.get("/images?state=unactivated&name=~unpublished-&limit=1000");
        List<String> got = new ArrayList<>();
        r.json().forEach(n -> got.add(n.path("uuid").asText()));
        List<String> want = expected.stream().filter(e -> e.publishedAt() == null).map(Entry::uuid).toList();
        assertEquals(want, got);
        assertEquals(want, got.stream().sorted().toList());
    }

    @Test
    void dateMarkerStartsAtThatTime() {
        for (String marker : List.of("2022-03-04T02:00:00Z", "2022-03-04T02:00:00.000Z", "2022-03-04T01:59:59.999Z")) {
            String at = marker.length() == 20 ? marker.substring(0, 19) + ".000Z" : marker;
            Response r = api.get("/images?state=all&limit=3&marker=" + marker);
            assertEquals(200, r.status(), r.toString());
            int first = 0;
            while (expected.get(first).publishedAt().compareTo(at) < 0) {
                first++;
            }
            List<String> got = new ArrayList<>();
            r.json().forEach(n -> got.add(n.path("uuid").asText()));
            assertEquals(expected.subList(first, first + 3).stream().map(Entry::uuid).toList(), got, marker);
        }
        // A date-only marker means midnight UTC: everything here is on 2022-03-04.
        Response day = api.get("/images?state=all&limit=1&marker=2022-03-04");
        assertEquals(expected.get(0).uuid(), day.json().get(0).path("uuid").asText());
        Response after = api.get("/images?state=all&limit=1000&marker=2022-03-05");
        Set<String> left = new HashSet<>();
        after.json().forEach(n -> left.add(n.path("uuid").asText()));
        assertEquals(expected.stream().filter(e -> e.publishedAt() == null).map(Entry::uuid)
                .collect(java.util.stream.Collectors.toSet()), left, "after the last publication only unpublished images");
    }

    @Test
    void markerOfAnImageTheAccountCannotSeeIsRefused() {
        String other = "0000aaaa-bbbb-4ccc-8ddd-eeeeffff0000";
        assertError(api.get("/images?state=all&account=" + other + "&marker=" + expected.get(10).uuid()), 422,
                "InvalidParameter", "marker");
    }
}
