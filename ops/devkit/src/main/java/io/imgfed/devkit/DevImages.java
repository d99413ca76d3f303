package io.imgfed.devkit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.json.Json;

/** The images the dev tools (demo, benchmarks, chaos suite) publish: one owner, a minimal valid manifest. */
public final class DevImages {
    public static final String OWNER = "930896af-bf8c-48d4-885c-6573a94b1853";

    private DevImages() {
    }

    /** A CreateImage body for a zone dataset of {@link #OWNER}, version 1.0.0. */
    public static ObjectNode manifest(String name) {
        ObjectNode m = Json.object();
        m.put("owner", OWNER);
        m.put("name", name);
        m.put("version", "1.0.0");
        m.put("type", "zone-dataset");
        m.put("os", "smartos");
        return m;
    }
}
