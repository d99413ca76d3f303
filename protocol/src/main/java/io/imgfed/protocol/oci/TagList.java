package io.imgfed.protocol.oci;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.json.Json;
import java.util.List;

/** The body of {@code GET /v2/<name>/tags/list}: {@code {"name":"<name>","tags":[...]}}, tags always an array. */
public record TagList(RepositoryName name, List<String> tags) {

    public static final String CONTENT_TYPE = "application/json";

    public TagList {
        tags = List.copyOf(tags);
    }

    public static TagList of(RepositoryName name, TagPage page) {
        return new TagList(name, page.tags());
    }

    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("name", name.value());
        ArrayNode a = o.putArray("tags");
        tags.forEach(a::add);
        return o;
    }

    public byte[] toBytes() {
        return Json.bytes(toJson());
    }
}
