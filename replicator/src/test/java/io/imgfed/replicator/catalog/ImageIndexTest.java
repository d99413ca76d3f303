package io.imgfed.replicator.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.json.Json;
import io.imgfed.protocol.manifest.Manifest;
import org.junit.jupiter.api.Test;

/** The index's counts per home DC follow images as they are added, replaced (even by another home) and removed. */
class ImageIndexTest {
    private static Manifest image(String uuid, String home) {
        ObjectNode f = Json.object();
        f.put("v", 2).put("uuid", uuid).put("owner", "930896af-bf8c-48d4-885c-6573a94b1853").put("name", "n")
                .put("version", "1.0.0").put("type", "zone-dataset").put("os", "smartos").put("public", false)
                .put("disabled", false);
        return Manifest.of(f, null, false, home);
    }

    @Test
    void homedCountsFollowPutsReplacementsAndRemovals() {
        ImageIndex index = new ImageIndex();
        String a = "00000000-0000-4000-8000-00000000000a";
        String b = "00000000-0000-4000-8000-00000000000b";
        String c = "00000000-0000-4000-8000-00000000000c";
        assertEquals(0, index.homedAt("east"));
        index.put(image(a, "east"));
        index.put(image(b, "east"));
        index.put(image(c, "west"));
        assertEquals(2, index.homedAt("east"));
        assertEquals(1, index.homedAt("west"));

        index.put(image(a, "east")); // a new version of the same image
        assertEquals(2, index.homedAt("east"));
        index.put(image(b, "west")); // the same uuid now homed elsewhere
        assertEquals(1, index.homedAt("east"));
        assertEquals(2, index.homedAt("west"));

        index.remove(c);
        index.remove(c); // removing what is gone changes nothing
        index.remove("00000000-0000-4000-8000-0000000000ff");
        assertEquals(1, index.homedAt("east"));
        assertEquals(1, index.homedAt("west"));
        index.remove(a);
        index.remove(b);
        assertEquals(0, index.homedAt("east"));
        assertEquals(0, index.homedAt("west"));
        assertEquals(0, index.homedAt("north"));
    }
}
