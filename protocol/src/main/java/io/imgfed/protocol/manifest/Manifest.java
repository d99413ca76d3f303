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
 * file's digests, the home DC). Immutable; every change returns a new instance. This is the neutral model every
 * front reads; {@link #toJson()} is its IMGAPI rendering.
 *
 * <p>Every DC holds one of these per image of the whole federation, so the in-memory form is compact: the fields
 * queries read are kept typed (repeated strings such as owner, version and home DC interned, the file's digests
 * as bytes), the free-form rest of the manifest (requirements, users, description...) as its JSON bytes, and the
 * public JSON only while it is among the recently asked ({@link PublicJsonCache}). The JSON views are rebuilt
 * from these and round-trip byte for byte with what was given: a field whose JSON type is not the usual one
 * (a signed record of another DC may carry anything) stays in the rest as it came.
 */
public final class Manifest {

    /** Field order of the public JSON view, matching IMGAPI's own output. */
    private static final List<String> FIELD_ORDER = List.of(
            "v", "uuid", "owner", "name", "version", "description", "homepage", "eula", "icon", "state", "error",
            "disabled", "public", "published_at", "type", "os", "origin", "files", "acl", "requirements",
            "generate_passwords", "users", "billing_tags", "traits", "tags", "inherited_directories",
            "nic_driver", "disk_driver", "cpu_type", "image_size", "channels");

    // Which fields are rebuilt from the typed values below (as JSON strings, booleans or an int) rather than
    // read back from the rest.
    private static final int W_UUID = 1;
    private static final int W_OWNER = 1 << 1;
    private static final int W_NAME = 1 << 2;
    private static final int W_VERSION = 1 << 3;
    private static final int W_PUBLISHED = 1 << 4;
    private static final int W_ORIGIN = 1 << 5;
    private static final int W_TYPE = 1 << 6;
    private static final int W_OS = 1 << 7;
    private static final int W_PUBLIC = 1 << 8;
    private static final int W_DISABLED = 1 << 9;
    private static final int W_V = 1 << 10;
    private static final int W_TAGS = 1 << 11;

    private final String uuid;
    private final String owner;
    private final String name;
    private final String version;
    private final String publishedAt;
    private final String origin;
    private final ImageType type;
    private final ImageOs os;
    private final boolean isPublic;
    private final boolean disabled;
    private final int v;
    private final int written;
    private final Set<String> acl;
    private final List<String> billingTags;
    /** The tags object (tag filters read it on every query), or null. */
    private final ObjectNode tags;
    /** JSON of every other field, or null when there is none. */
    private final byte[] rest;
    private final StoredFile file;
    private final boolean activated;
    private final String homeDc;
    private volatile byte[] publicJson;

    /** Takes ownership of {@code fields} (callers pass a copy). */
    private Manifest(ObjectNode fields, StoredFile file, boolean activated, String homeDc) {
        this.file = file;
        this.activated = activated;
        this.homeDc = Objects.requireNonNull(homeDc, "homeDc").intern();
        this.uuid = text(fields, "uuid");
        this.owner = intern(text(fields, "owner"));
        this.name = intern(text(fields, "name"));
        this.version = intern(text(fields, "version"));
        this.publishedAt = text(fields, "published_at");
        this.origin = text(fields, "origin");
        this.isPublic = fields.path("public").asBoolean(false);
        this.disabled = fields.path("disabled").asBoolean(false);
        this.type = WireEnum.parse(ImageType.class, text(fields, "type"));
        this.os = WireEnum.parse(ImageOs.class, text(fields, "os"));
        Objects.requireNonNull(uuid, "manifest has no uuid");
        Objects.requireNonNull(owner, "manifest has no owner");
        Set<String> aclSet = strings(fields.get("acl"), new LinkedHashSet<>());
        this.acl = aclSet.isEmpty() ? Set.of() : Collections.unmodifiableSet(aclSet);
        List<String> tagList = strings(fields.get("billing_tags"), new ArrayList<>());
        this.billingTags = tagList.isEmpty() ? List.of() : Collections.unmodifiableList(tagList);

        int w = 0;
        w |= textual(fields, "uuid", W_UUID) | textual(fields, "owner", W_OWNER) | textual(fields, "name", W_NAME)
                | textual(fields, "version", W_VERSION) | textual(fields, "published_at", W_PUBLISHED)
                | textual(fields, "origin", W_ORIGIN);
        w |= type != null && fields.get("type").isTextual() ? W_TYPE : 0;
        w |= os != null && fields.get("os").isTextual() ? W_OS : 0;
        w |= fields.path("public").isBoolean() ? W_PUBLIC : 0;
        w |= fields.path("disabled").isBoolean() ? W_DISABLED : 0;
        JsonNode vn = fields.get("v");
        w |= vn != null && vn.isInt() ? W_V : 0;
        this.v = vn != null && vn.isInt() ? vn.intValue() : 0;
        JsonNode tn = fields.get("tags");
        w |= tn != null && tn.isObject() ? W_TAGS : 0;
        this.tags = tn != null && tn.isObject() ? (ObjectNode) tn : null;
        this.written = w;
        for (int i = 0; i < TYPED.length; i++) {
            if ((w & TYPED_FLAGS[i]) != 0) {
                fields.remove(TYPED[i]);
            }
        }
        this.rest = fields.isEmpty() ? null : Json.bytes(fields);
    }

    /** The typed fields and their flags, for taking them out of the rest. */
    private static final String[] TYPED = {"uuid", "owner", "name", "version", "published_at", "origin", "type", "os",
        "public", "disabled", "v", "tags"};
    private static final int[] TYPED_FLAGS = {W_UUID, W_OWNER, W_NAME, W_VERSION, W_PUBLISHED, W_ORIGIN, W_TYPE, W_OS,
        W_PUBLIC, W_DISABLED, W_V, W_TAGS};

    /** The same image with another file or activation; shares everything else. */
    private Manifest(Manifest base, StoredFile file, boolean activated) {
        this.uuid = base.uuid;
        this.owner = base.owner;
        this.name = base.name;
        this.version = base.version;
        this.publishedAt = base.publishedAt;
        this.origin = base.origin;
        this.type = base.type;
        this.os = base.os;
        this.isPublic = base.isPublic;
        this.disabled = base.disabled;
        this.v = base.v;
        this.written = base.written;
        this.acl = base.acl;
        this.billingTags = base.billingTags;
        this.tags = base.tags;
        this.rest = base.rest;
        this.file = file;
        this.activated = activated;
        this.homeDc = base.homeDc;
    }

    private static int textual(ObjectNode fields, String field, int flag) {
        JsonNode n = fields.get(field);
        return n != null && n.isTextual() ? flag : 0;
    }

    private static String intern(String s) {
        return s == null ? null : s.intern();
    }

    /**
     * Wraps manifest fields that {@link ManifestValidator} accepted. The node is copied, so later changes to
     * the caller's node cannot reach this instance.
     */
    public static Manifest of(ObjectNode validatedFields, ImageFile file, boolean activated, String homeDc) {
        ObjectNode copy = validatedFields.deepCopy();
        copy.remove(List.of("state", "files", "home_dc"));
        return new Manifest(copy, StoredFile.of(file), activated, homeDc);
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
        return file == null ? null : file.toImageFile();
    }

    /** Whether the image has its file, without building the {@link ImageFile}. */
    public boolean hasFile() {
        return file != null;
    }

    /** The file's sha1 (null before AddImageFile), without building the {@link ImageFile}. */
    public String fileSha1() {
        return file == null ? null : file.sha1();
    }

    /** The file's size in bytes (-1 before AddImageFile), without building the {@link ImageFile}. */
    public long fileSize() {
        return file == null ? -1 : file.size();
    }

    /** The DC where the image was created or imported; mutations are decided there. */
    public String homeDc() {
        return homeDc;
    }

    public String origin() {
        return origin;
    }

    /**
     * A tag's value as a string for {@code tag.KEY=VALUE} matching, or null when the tag is absent. A value that
     * is not a string, number or boolean reads as "", as in IMGAPI's search index: {@code tag.KEY=} finds it.
     */
    public String tagValue(String key) {
        JsonNode v = tags == null ? null : tags.get(key);
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
        ObjectNode out = Json.object();
        if ((written & W_V) != 0) {
            out.put("v", v);
        }
        putText(out, W_UUID, "uuid", uuid);
        putText(out, W_OWNER, "owner", owner);
        putText(out, W_NAME, "name", name);
        putText(out, W_VERSION, "version", version);
        if ((written & W_DISABLED) != 0) {
            out.put("disabled", disabled);
        }
        if ((written & W_PUBLIC) != 0) {
            out.put("public", isPublic);
        }
        putText(out, W_PUBLISHED, "published_at", publishedAt);
        putText(out, W_TYPE, "type", type == null ? null : type.wireName());
        putText(out, W_OS, "os", os == null ? null : os.wireName());
        putText(out, W_ORIGIN, "origin", origin);
        if (tags != null) {
            out.set("tags", tags.deepCopy());
        }
        if (rest != null) {
            out.setAll((ObjectNode) Json.tree(rest));
        }
        return out;
    }

    private void putText(ObjectNode out, int flag, String field, String value) {
        if ((written & flag) != 0) {
            out.put(field, value);
        }
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
        return new Manifest(this, StoredFile.of(newFile), activated);
    }

    /** Activates the image; an imported image keeps its published_at, a new one is stamped now. */
    public Manifest activate(String now) {
        if (publishedAt != null) {
            return new Manifest(this, file, true);
        }
        ObjectNode copy = fieldsCopy();
        copy.put("published_at", now);
        return new Manifest(copy, file, true, homeDc);
    }

    public Manifest withDisabled(boolean value) {
        ObjectNode copy = fieldsCopy();
        copy.put("disabled", value);
        return new Manifest(copy, file, activated, homeDc);
    }

    public Manifest withAcl(Set<String> newAcl) {
        ObjectNode copy = fieldsCopy();
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
        ObjectNode fields = fieldsCopy();
        ObjectNode out = Json.object();
        for (String key : FIELD_ORDER) {
            switch (key) {
                case "state" -> out.put("state", state().wireName());
                case "files" -> {
                    ArrayNode files = out.putArray("files");
                    if (file != null) {
                        ImageFile file = file();
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
                    JsonNode value = fields.get(key);
                    if (value != null) {
                        out.set(key, value);
                    }
                }
            }
        }
        out.put("home_dc", homeDc);
        return out;
    }

    /** {@link #toJson()} as bytes, kept while among the recently asked: list responses concatenate these. */
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
            PublicJsonCache.admitted(this);
        }
        return b;
    }

    /** Called by {@link PublicJsonCache} when this manifest's JSON is no longer among the recently asked. */
    void dropPublicJson() {
        publicJson = null;
    }

    /** Everything needed to rebuild this instance: the catalog's and the gossip's storage form. */
    public ObjectNode toStoredJson() {
        ObjectNode out = Json.object();
        out.set("fields", fieldsCopy());
        if (file != null) {
            ImageFile file = file();
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
        return new Manifest(((ObjectNode) f).deepCopy(), StoredFile.of(file), stored.path("activated").asBoolean(false),
                home);
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
