package io.imgfed.protocol.federation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.json.Json;
import io.imgfed.protocol.oci.OciDigest;
import io.imgfed.protocol.oci.RepositoryName;
import io.imgfed.protocol.oci.Tag;
import io.imgfed.protocol.pieces.FilePieces;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A tag of the OCI front as the DC where it was pushed publishes it: the repository and tag, the manifests the
 * tag reaches (its manifest first; for an index, also its children) with their exact bytes, and every blob they
 * reference with what a pull needs before the first byte: the store's sha1, the size and the signed piece root.
 * So another DC serves the tag and its manifests from this record alone and pulls each blob lazily, by sha1,
 * through the transfer engine, verified piece by piece. A record with {@code deletedAtMillis} set says the tag
 * was deleted there. One record per tag per DC; the newest publication across DCs moves the tag.
 */
public record OciTagRecord(String repository, String tag, List<Manifest> manifests, List<Blob> blobs,
        long deletedAtMillis) {
    private static final Pattern SHA1 = Pattern.compile("^[0-9a-f]{40}$");

    /** A manifest with its digest, media type and exact bytes. */
    public record Manifest(String digest, String mediaType, byte[] body) {
        public Manifest {
            body = body.clone();
        }

        @Override
        public byte[] body() {
            return body.clone();
        }
    }

    /** A blob by its OCI digest: the store's sha1, its size, and its piece root when the home computed one. */
    public record Blob(String digest, String sha1, long size, FilePieces pieces) {
    }

    public OciTagRecord {
        manifests = List.copyOf(manifests);
        blobs = List.copyOf(blobs);
    }

    public static OciTagRecord deleted(String repository, String tag, long atMillis) {
        return new OciTagRecord(repository, tag, List.of(), List.of(), atMillis);
    }

    public boolean isDeleted() {
        return deletedAtMillis != 0;
    }

    /** The record's id on the board: the sha256 of {@code <repository>:<tag>} (names may hold slashes). */
    public String id() {
        return idOf(repository, tag);
    }

    public static String idOf(String repository, String tag) {
        return OciDigest.sha256((repository + ":" + tag).getBytes(StandardCharsets.UTF_8)).encoded();
    }

    /** The digest the tag names: its first manifest's. */
    public String digest() {
        return manifests.isEmpty() ? null : manifests.get(0).digest();
    }

    public byte[] toPayload() {
        ObjectNode o = Json.object();
        o.put("repository", repository);
        o.put("tag", tag);
        if (isDeleted()) {
            o.put("deleted_at", deletedAtMillis);
            return Json.bytes(o);
        }
        ArrayNode ms = o.putArray("manifests");
        Base64.Encoder b64 = Base64.getEncoder();
        for (Manifest m : manifests) {
            ms.addObject().put("digest", m.digest()).put("media_type", m.mediaType()).put("body", b64.encodeToString(m.body));
        }
        ArrayNode bs = o.putArray("blobs");
        for (Blob b : blobs) {
            ObjectNode n = bs.addObject().put("digest", b.digest()).put("sha1", b.sha1()).put("size", b.size());
            if (b.pieces() != null) {
                n.put("piece_size", b.pieces().pieceSize()).put("piece_root", b.pieces().root());
            }
        }
        return Json.bytes(o);
    }

    /** Reads and checks a payload: names by the OCI grammar, every manifest's bytes against its digest. */
    public static OciTagRecord fromPayload(JsonNode p) throws MalformedRecordException {
        try {
            String repository = RepositoryName.parse(p.path("repository").asText("")).value();
            String tag = Tag.parse(p.path("tag").asText("")).value();
            if (p.has("deleted_at")) {
                long at = p.path("deleted_at").asLong(0);
                if (at <= 0) {
                    throw new MalformedRecordException("OCI tag tombstone without a deleted_at");
                }
                return deleted(repository, tag, at);
            }
            List<Manifest> manifests = new ArrayList<>();
            for (JsonNode m : p.path("manifests")) {
                byte[] body = Base64.getDecoder().decode(m.path("body").asText(""));
                OciDigest d = OciDigest.parse(m.path("digest").asText(""));
                if (!d.matches(body)) {
                    throw new MalformedRecordException("OCI manifest bytes do not match their digest " + d);
                }
                String mediaType = m.path("media_type").asText(null);
                if (mediaType == null || mediaType.isEmpty()) {
                    throw new MalformedRecordException("OCI manifest without a media type");
                }
                manifests.add(new Manifest(d.toString(), mediaType, body));
            }
            if (manifests.isEmpty()) {
                throw new MalformedRecordException("OCI tag record without a manifest");
            }
            List<Blob> blobs = new ArrayList<>();
            for (JsonNode b : p.path("blobs")) {
                String sha1 = b.path("sha1").asText("");
                long size = b.path("size").asLong(-1);
                if (!SHA1.matcher(sha1).matches() || size < 0) {
                    throw new MalformedRecordException("OCI blob without a sha1 or size");
                }
                FilePieces pieces = b.has("piece_root")
                        ? new FilePieces(b.path("piece_size").asInt(), b.path("piece_root").asText()) : null;
                blobs.add(new Blob(OciDigest.parse(b.path("digest").asText("")).toString(), sha1, size, pieces));
            }
            return new OciTagRecord(repository, tag, manifests, blobs, 0);
        } catch (MalformedRecordException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new MalformedRecordException("unreadable OCI tag record: " + e.getMessage());
        }
    }
}
