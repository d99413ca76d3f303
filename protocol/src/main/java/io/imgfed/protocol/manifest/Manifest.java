package io.imgfed.protocol.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.json.Json;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One image: its validated IMGAPI v2 manifest fields plus what imgfed tracks beside them (activation, the
 * file's digests, the home DC). Immutable; every change returns a new instance.
 *
 * <p>The manifest fields are kept as validated JSON rather than one Java field each: IMGAPI's free-form
 * parts (requirements, tags, traits, users) round-trip byte for byte, and the fields queries filter on are
 * read once into typed accessors.
 */
public final class Manifest {

    /** Field order of the public JSON view, matching IMGAPI's own output. */
    private static final List<String> FIELD_ORDER = List.of(
            "v", "uuid", "owner", "name", "version", "description", "homepage", "eula", "icon", "state", "error",
            "disabled", "public", "published_at", "type", "os", "origin", "files", "acl", "requirements",
            "generate_passwords", "users", "billing_tags", "traits", "tags", "inherited_directories",
            "nic_driver", "disk_driver", "cpu_type", "image_size", "channels");

    private final ObjectNode fields;
    private final ImageFile file;
    private final boolean activated;
    private final String homeDc;

    private final String uuid;
    private final String owner;
    private final String name;
    private final String version;
    private final String publishedAt;
    private final boolean isPublic;
    private final boolean disabled;
    private final ImageType type;
    private final ImageOs os;
    private final Set<String> acl;
    private final List<String> billingTags;
    private volatile byte[] publicJson;

    private Manifest(ObjectNode fields, ImageFile file, boolean activated, String homeDc) {
        this.fields = fields;
        this.file = file;
        this.activated = activated;
        this.homeDc = Objects.requireNonNull(homeDc, "homeDc");
        this.uuid = text(fields, "uuid");
        this.owner = text(fields, "owner");
        this.name = text(fields, "name");
        this.version = text(fields, "version");
        this.publishedAt = text(fields, "published_at");
        this.isPublic = fields.path("public").asBoolean(false);
        this.disabled = fields.path("disabled").asBoolean(false);
        this.type = WireEnum.parse(ImageType.class, text(fields, "type"));
        this.os = WireEnum.parse(ImageOs.class, text(fields, "os"));
        this.acl = Collections.unmodifiableSet(strings(fields.get("acl"), new LinkedHashSet<>()));
        this.billingTags = Collections.unmodifiableList(strings(fields.get("billing_tags"), new ArrayList<>()));
        Objects.requireNonNull(uuid, "manifest has no uuid");
        Objects.requireNonNull(owner, "manifest has no owner");
    }

    /**
     * Wraps manifest fields that {@link ManifestValidator} accepted. The node is copied, so later changes to
     * the caller's node cannot reach this instance.
     */
    public static Manifest of(ObjectNode validatedFields, ImageFile file, boolean activated, String homeDc) {
        ObjectNode copy = validatedFields.deepCopy();
        copy.remove(List.of("state", "files", "home_dc"));
        return new Manifest(copy, file, activated, homeDc);
    }

    public String uuid() {
        return uuid;
    }

    public String owner() {
        return owner;
    }

    public String name() {
        return name;
    }

    public String version() {
        return version;
    }

    /** ISO-8601 with millisecond precision, or null while the image was never activated. */
    public String publishedAt() {
        return publishedAt;
    }

    public boolean isPublic() {
        return isPublic;
    }

    public boolean disabled() {
        return disabled;
    }

    public boolean activated() {
        return activated;
    }

    public ImageType type() {
        return type;
    }

    public ImageOs os() {
        return os;
    }

    public Set<String> acl() {
        return acl;
    }

    public List<String> billingTags() {
        return billingTags;
    }

    /** The image's file, or null before AddImageFile. */
    public ImageFile file() {
        return file;
    }

    /** The DC where the image was created or imported; mutations are decided there. */
    public String homeDc() {
        return homeDc;
    }

    public String origin() {
        return text(fields, "origin");
    }

    /**
     * A tag's value as a string for {@code tag.KEY=VALUE} matching, or null when the tag is absent. A value that
     * is not a string, number or boolean reads as "", as in IMGAPI's search index: {@code tag.KEY=} finds it.
     */
    public String tagValue(String key) {
        JsonNode v = fields.path("tags").get(key);
        if (v == null) {
            return null;
        }
        return v.isValueNode() && !v.isNull() ? v.asText() : "";
    }

    public ImageState state() {
        if (!activated) {
            return ImageState.UNACTIVATED;
        }
        return disabled ? ImageState.DISABLED : ImageState.ACTIVE;
    }

    /** A copy of the manifest fields, without the computed ones; the base for an update. */
    public ObjectNode fieldsCopy() {
        return fields.deepCopy();
    }

    /** Whether an account may see this image: its owner, anyone for public active images, or accounts in its acl. */
    public boolean visibleTo(String account) {
        if (account == null || account.equals(owner)) {
            return true;
        }
        if (isPublic && state() == ImageState.ACTIVE) {
            return true;
        }
        return acl.contains(account);
    }

    public Manifest withFile(ImageFile newFile) {
        return new Manifest(fields, newFile, activated, homeDc);
    }

    /** Activates the image; an imported image keeps its published_at, a new one is stamped now. */
    public Manifest activate(String now) {
        ObjectNode copy = fields.deepCopy();
        if (publishedAt == null) {
            copy.put("published_at", now);
        }
        return new Manifest(copy, file, true, homeDc);
    }

    public Manifest withDisabled(boolean value) {
        ObjectNode copy = fields.deepCopy();
        copy.put("disabled", value);
        return new Manifest(copy, file, activated, homeDc);
    }

    public Manifest withAcl(Set<String> newAcl) {
        ObjectNode copy = fields.deepCopy();
        if (newAcl.isEmpty()) {
            copy.remove("acl");
        } else {
            ArrayNode arr = copy.putArray("acl");
            newAcl.forEach(arr::add);
        }
        return new Manifest(copy, file, activated, homeDc);
    }

    /** Replaces the manifest fields with a validated update of them; identity fields are kept. */
    public Manifest withFields(ObjectNode validatedFields) {
        ObjectNode copy = validatedFields.deepCopy();
        copy.put("uuid", uuid);
        copy.put("owner", owner);
        copy.remove(List.of("state", "files", "home_dc"));
        return new Manifest(copy, file, activated, homeDc);
    }

    /** The manifest as IMGAPI clients see it, with the computed {@code state} and the {@code home_dc} extension. */
    public ObjectNode toJson() {
        ObjectNode out = Json.object();
        for (String key : FIELD_ORDER) {
            switch (key) {
                case "state" -> out.put("state", state().wireName());
                case "files" -> {
                    ArrayNode files = out.putArray("files");
                    if (file != null) {
                        ObjectNode f = files.addObject();
                        f.put("sha1", file.sha1());
                        f.put("size", file.size());
                        f.put("compression", file.compression().wireName());
                        if (file.datasetGuid() != null) {
                            f.put("dataset_guid", file.datasetGuid());
                        }
                    }
                }
                default -> {
                    JsonNode v = fields.get(key);
                    if (v != null) {
                        out.set(key, v.deepCopy());
                    }
                }
            }
        }
        out.put("home_dc", homeDc);
        return out;
    }

    /** {@link #toJson()} as bytes, computed once: list responses concatenate these. */
    public byte[] toJsonBytes() {
        return publicJsonBytes().clone();
    }

    /** The length of {@link #toJsonBytes()}. */
    public int jsonLength() {
        return publicJsonBytes().length;
    }

    /** Copies {@link #toJsonBytes()} into {@code dst} at {@code offset} without an intermediate copy; returns the length. */
    public int copyJson(byte[] dst, int offset) {
        byte[] b = publicJsonBytes();
        System.arraycopy(b, 0, dst, offset, b.length);
        return b.length;
    }

    private byte[] publicJsonBytes() {
        byte[] b = publicJson;
        if (b == null) {
            b = Json.bytes(toJson());
            publicJson = b;
        }
        return b;
    }

    /** Everything needed to rebuild this instance: the catalog's and the gossip's storage form. */
    public ObjectNode toStoredJson() {
        ObjectNode out = Json.object();
        out.set("fields", fields.deepCopy());
        if (file != null) {
            ObjectNode f = out.putObject("file");
            f.put("sha1", file.sha1());
            f.put("size", file.size());
            f.put("compression", file.compression().wireName());
            if (file.datasetGuid() != null) {
                f.put("dataset_guid", file.datasetGuid());
            }
            if (file.md5() != null) {
                f.put("md5", file.md5());
            }
            if (file.sha256() != null) {
                f.put("sha256", file.sha256());
            }
            if (file.pieces() != null) {
                f.putObject("pieces").put("size", file.pieces().pieceSize()).put("root", file.pieces().root());
            }
        }
        out.put("activated", activated);
        out.put("home_dc", homeDc);
        return out;
    }

    /** Rebuilds an instance from {@link #toStoredJson()}; throws IllegalArgumentException on anything else. */
    public static Manifest fromStoredJson(JsonNode stored) {
        JsonNode f = stored.get("fields");
        if (f == null || !f.isObject()) {
            throw new IllegalArgumentException("stored manifest has no fields object");
        }
        ImageFile file = null;
        JsonNode fn = stored.get("file");
        if (fn != null && fn.isObject()) {
            Compression c = WireEnum.parse(Compression.class, fn.path("compression").asText());
            if (c == null) {
                throw new IllegalArgumentException("stored manifest has a bad compression");
            }
            JsonNode pn = fn.get("pieces");
            io.imgfed.protocol.pieces.FilePieces pieces = pn == null || !pn.isObject() ? null
                    : new io.imgfed.protocol.pieces.FilePieces(pn.path("size").asInt(), pn.path("root").asText());
            file = new ImageFile(fn.path("sha1").asText(), fn.path("size").asLong(), c,
                    text(fn, "dataset_guid"), text(fn, "md5"), text(fn, "sha256"), pieces);
        }
        String home = text(stored, "home_dc");
        if (home == null) {
            throw new IllegalArgumentException("stored manifest has no home_dc");
        }
        return new Manifest(((ObjectNode) f).deepCopy(), file, stored.path("activated").asBoolean(false), home);
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static <C extends java.util.Collection<String>> C strings(JsonNode arr, C into) {
        if (arr != null && arr.isArray()) {
            arr.forEach(n -> into.add(n.asText()));
        }
        return into;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Manifest m && m.toStoredJson().equals(toStoredJson());
    }

    @Override
    public int hashCode() {
        return uuid.hashCode();
    }

    @Override
    public String toString() {
        return "Manifest[" + uuid + " " + name + "@" + version + " " + state().wireName() + " home=" + homeDc + "]";
    }

    /** Field names of a manifest in IMGAPI's output order; the validator rejects any other. */
    public static List<String> knownFields() {
        return FIELD_ORDER;
    }
}
