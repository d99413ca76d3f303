package io.imgfed.replicator.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.ImgapiClient.Response;
import io.imgfed.replicator.testkit.TestDaemon;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every ListImages filter of SPEC §3 / IMGAPI-NOTES on a small catalog whose images differ in every filtered
 * attribute. Expected answers are listed by hand; their order is published_at then uuid (never-published last).
 */
class ListImagesFilterTest {
    static final String A = ImgapiClient.OWNER;
    static final String B = "bbbbbbbb-0000-4000-8000-00000000000b";
    static final String C = "cccccccc-0000-4000-8000-00000000000c";

    @TempDir
    static Path dir;
    static TestDaemon daemon;
    static ImgapiClient api;
    /** Test name (i1..i7) to uuid, and uuid to its order key. */
    static final Map<String, String> ids = new HashMap<>();
    static final Map<String, String> orderKey = new HashMap<>();

    /*
     * i1 A alpha      1.0.0     smartos zone-dataset public  active    2021-01-01  tags role=db tier=1  billing gold
     * i2 B alpha      2.0.0     linux   lx-dataset   private active    2021-01-02  tags role=web        billing gold,silver
     * i3 A beta-alpha 1.0.0-rc1 windows zvol         private disabled  2021-01-03
     * i4 A gamma      1.0.0     linux   other        private unactivated (never published)
     * i5 B delta      0.1       bsd     docker       private active    2021-01-02 (same time as i2) acl [A]
     * i6 B epsilon    3         illumos lxd          public  active    2021-01-05  tags role=db
     * i7 B zeta       1.0.0     smartos zone-dataset public  unactivated, imported with published_at 2021-01-04
     */
    @BeforeAll
    static void start() {
        daemon = TestDaemon.start(dir);
        api = daemon.client();
        // Created out of publication order, so creation order cannot pass for ListImages order.
        image("i6", B, "epsilon", "3", "illumos", "lxd", "2021-01-05T00:00:00.000Z", true, m -> {
            m.put("public", true);
            m.putObject("tags").put("role", "db");
        });
        image("i3", A, "beta-alpha", "1.0.0-rc1", "windows", "zvol", "2021-01-03T00:00:00.000Z", true, m -> {
            m.put("nic_driver", "virtio");
            m.put("disk_driver", "virtio");
            m.put("cpu_type", "host");
            m.put("image_size", 10240);
        });
        assertEquals(200, api.post("/images/" + ids.get("i3") + "?action=disable", "{}").status());
        image("i1", A, "alpha", "1.0.0", "smartos", "zone-dataset", "2021-01-01T00:00:00.000Z", true, m -> {
            m.put("public", true);
            m.putObject("tags").put("role", "db").put("tier", 1);
            m.putArray("billing_tags").add("gold");
        });
        image("i5", B, "delta", "0.1", "bsd", "docker", "2021-01-02T00:00:00.000Z", true, m -> m.putArray("acl").add(A));
        image("i2", B, "alpha", "2.0.0", "linux", "lx-dataset", "2021-01-02T00:00:00.000Z", true, m -> {
            m.putObject("tags").put("role", "web");
            m.putArray("billing_tags").add("gold").add("silver");
        });
        image("i7", B, "zeta", "1.0.0", "smartos", "zone-dataset", "2021-01-04T00:00:00.000Z", false, m -> m.put("public", true));
        ObjectNode i4 = ImgapiClient.manifest("gamma", "1.0.0");
        i4.put("os", "linux");
        i4.put("type", "other");
        String u4 = api.create(i4);
        ids.put("i4", u4);
        orderKey.put(u4, "~ " + u4);
    }

    private static void image(String id, String owner, String name, String version, String os, String type,
            String publishedAt, boolean activate, Consumer<ObjectNode> extra) {
        String uuid = UUID.randomUUID().toString();
        ObjectNode m = ImgapiClient.manifest(name, version);
        m.put("uuid", uuid);
        m.put("owner", owner);
        m.put("os", os);
        m.put("type", type);
        m.put("published_at", publishedAt);
        extra.accept(m);
        Response r = api.post("/images/" + uuid + "?action=import", m);
        assertEquals(200, r.status(), r.toString());
        if (activate) {
            assertEquals(200, api.upload(uuid, (id + "-file").getBytes()).status());
            assertEquals(200, api.post("/images/" + uuid + "?action=activate", "{}").status());
        }
        ids.put(id, uuid);
        orderKey.put(uuid, publishedAt + " " + uuid);
    }

    @AfterAll
    static void stop() {
        daemon.close();
    }

    /** The expected answer: these images in ListImages order. */
    private static List<String> ordered(String... names) {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            out.add(ids.get(n));
        }
        out.sort(Comparator.comparing(orderKey::get));
        return out;
    }

    private static List<String> list(String query) {
        Response r = api.get("/images" + (query.isEmpty() ? "" : "?" + query));
        assertEquals(200, r.status(), query + ": " + r);
        List<String> out = new ArrayList<>();
        r.json().forEach(n -> out.add(n.path("uuid").asText()));
        return out;
    }

    private static String names(List<String> uuids) {
        List<String> out = new ArrayList<>();
        for (String u : uuids) {
            ids.forEach((k, v) -> {
                if (v.equals(u)) {
                    out.add(k);
                }
            });
        }
        return out.toString();
    }

    @ParameterizedTest(name = "[{index}] ?{0}")
    @CsvSource(delimiter = '|', value = {
            "''                                     | i1 i2 i5 i6",
            "state=active                           | i1 i2 i5 i6",
            "state=all                              | i1 i2 i3 i4 i5 i6 i7",
            "state=disabled                         | i3",
            "state=unactivated                      | i4 i7",
            "owner=" + A + "                        | i1",
            "owner=" + A + "&state=all              | i1 i3 i4",
            "owner=" + C + "&state=all              | ''",
            "name=alpha                             | i1 i2",
            "name=ALPHA                             | ''",
            "name=alph                              | ''",
            "name=~alpha&state=all                  | i1 i2 i3",
            "name=~lph&state=all                    | i1 i2 i3",
            "name=~&state=all                       | i1 i2 i3 i4 i5 i6 i7",
            "version=1.0.0&state=all                | i1 i4 i7",
            "version=~1.0&state=all                 | i1 i3 i4 i7",
            "version=~rc                            | ''",
            "version=~rc&state=all                  | i3",
            "public=true                            | i1 i6",
            "public=false                           | i2 i5",
            "public=true&state=all                  | i1 i6 i7",
            "os=linux                               | i2",
            "os=linux&state=all                     | i2 i4",
            "os=!smartos                            | i2 i5 i6",
            "os=!linux&state=all                    | i1 i3 i5 i6 i7",
            "type=zvol&state=all                    | i3",
            "type=!zone-dataset                     | i2 i5 i6",
            "type=docker                            | i5",
            "tag.role=db                            | i1 i6",
            "tag.role=db&tag.tier=1                 | i1",
            "tag.tier=1                             | i1",
            "tag.role=nope                          | ''",
            "tag.missing=x&state=all                | ''",
            "billing_tag=gold                       | i1 i2",
            "billing_tag=gold&billing_tag=silver    | i2",
            "billing_tag=bronze                     | ''",
            "account=" + A + "                      | i1 i5 i6",
            "account=" + A + "&state=all            | i1 i3 i4 i5 i6",
            "account=" + B + "&state=all            | i1 i2 i5 i6 i7",
            "account=" + C + "                      | i1 i6",
            "account=" + C + "&state=all            | i1 i6",
            "account=" + A + "&owner=" + B + "      | i5 i6",
            "os=!smartos&public=false               | i2 i5",
            "name=alpha&os=linux&billing_tag=silver | i2",
            "limit=2&state=all&marker=2021-01-03    | i3 i7",
    })
    void filter(String query, String expectedNames) {
        List<String> want = expectedNames.isEmpty() ? List.of() : ordered(expectedNames.split(" "));
        List<String> got = list(query);
        assertEquals(want, got, () -> query + ": expected " + names(want) + " got " + names(got));
    }

    @Test
    void limitCutsThePage() {
        assertEquals(ordered("i1", "i2", "i5", "i6").subList(0, 2), list("limit=2"));
        assertEquals(ordered("i1", "i2", "i3", "i4", "i5", "i6", "i7").subList(0, 5), list("state=all&limit=5"));
    }

    @Test
    void tieOnPublishedAtIsBrokenByUuid() {
        List<String> got = list("state=all&marker=2021-01-02&limit=2");
        List<String> pair = new ArrayList<>(List.of(ids.get("i2"), ids.get("i5")));
        pair.sort(Comparator.naturalOrder());
        assertEquals(pair, got);
    }

    @Test
    void uuidMarkerStartsAtThatImage() {
        List<String> all = list("state=all");
        for (int i = 0; i < all.size(); i++) {
            assertEquals(all.subList(i, all.size()), list("state=all&marker=" + all.get(i)));
        }
    }

    @Test
    void acceptVersionHeaderIsAccepted() {
        Response r = api.get("/images", Map.of("Accept-Version", "*", "Accept", "application/json"));
        assertEquals(200, r.status());
        assertEquals(ordered("i1", "i2", "i5", "i6"), Arrays.asList(
                r.json().findValuesAsText("uuid").stream().filter(ids::containsValue).toArray(String[]::new)));
    }
}
