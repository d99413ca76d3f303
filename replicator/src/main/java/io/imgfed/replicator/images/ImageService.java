package io.imgfed.replicator.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.error.ErrorCode;
import io.imgfed.protocol.error.ImgapiError;
import io.imgfed.protocol.manifest.ImageFile;
import io.imgfed.protocol.manifest.ImageState;
import io.imgfed.protocol.manifest.Manifest;
import io.imgfed.protocol.manifest.ManifestValidator;
import io.imgfed.protocol.query.ImageQuery;
import io.imgfed.replicator.auth.Caller;
import io.imgfed.replicator.catalog.Catalog;
import io.vertx.core.Future;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * IMGAPI's image operations on this DC's catalog: who may see and change what, in which state, with which
 * error. HTTP-free, so the same rules answer local clients and mutations forwarded by other DCs.
 */
public final class ImageService {

    /** Told when an image's file is no longer referenced by any image, so its blob can go. */
    @FunctionalInterface
    public interface FileReleaser {
        void released(String sha1);
    }

    private final Catalog catalog;
    private final String dc;
    private final Clock clock;
    private final FileReleaser releaser;

    public ImageService(Catalog catalog, String dc, Clock clock, FileReleaser releaser) {
        this.catalog = catalog;
        this.dc = dc;
        this.clock = clock;
        this.releaser = releaser;
    }

    public String dc() {
        return dc;
    }

    /** GetImage: the image if the caller may see it, else ResourceNotFound (never revealing it exists). */
    public Manifest get(String uuid, Caller caller) {
        requireUuid(uuid);
        Manifest m = catalog.get(uuid).orElse(null);
        if (m == null || !m.visibleTo(caller.account())) {
            throw ImgapiError.notFound("image " + uuid).toException();
        }
        return m;
    }

    public List<Manifest> list(ImageQuery query) {
        return catalog.page(query);
    }

    public Future<Manifest> create(JsonNode body, Caller caller) {
        ObjectNode fields;
        try {
            fields = ManifestValidator.validateCreate(body, caller.account());
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        String uuid = UUID.randomUUID().toString();
        fields.put("uuid", uuid);
        return catalog.mutate(uuid, current -> {
            if (current != null) {
                throw new ImgapiError(ErrorCode.IMAGE_UUID_ALREADY_EXISTS, "image " + uuid + " already exists").toException();
            }
            checkOrigin(fields);
            return Manifest.of(fields, null, false, dc);
        });
    }

    /** AdminImportImage: keeps the given uuid and published_at; the image is unactivated until its file arrives. */
    public Future<Manifest> importImage(String uuid, JsonNode body, Caller caller) {
        try {
            requireUuid(uuid);
            requireOperator(caller, "import");
            ObjectNode fields = ManifestValidator.validateImport(body, uuid);
            return catalog.mutate(uuid, current -> {
                if (current != null) {
                    throw new ImgapiError(ErrorCode.IMAGE_UUID_ALREADY_EXISTS, "image " + uuid + " already exists")
                            .toException();
                }
                checkOrigin(fields);
                return Manifest.of(fields, null, false, dc);
            });
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
    }

    public Future<Manifest> update(String uuid, JsonNode body, Caller caller) {
        return change(uuid, caller, current -> {
            ObjectNode updated = ManifestValidator.validateUpdate(body, current);
            return current.withFields(updated);
        });
    }

    public Future<Manifest> activate(String uuid, Caller caller) {
        return change(uuid, caller, current -> {
            if (current.activated()) {
                throw new ImgapiError(ErrorCode.IMAGE_ALREADY_ACTIVATED, "image " + uuid + " is already activated").toException();
            }
            if (current.file() == null) {
                throw new ImgapiError(ErrorCode.NO_ACTIVATION_NO_FILE, "image " + uuid + " has no file; add one before activating")
                        .toException();
            }
            return current.activate(Timestamps.now(clock));
        });
    }

    public Future<Manifest> setDisabled(String uuid, boolean disabled, Caller caller) {
        return change(uuid, caller, current -> current.disabled() == disabled ? current : current.withDisabled(disabled));
    }

    public Future<Manifest> changeAcl(String uuid, JsonNode body, boolean add, Caller caller) {
        List<String> accounts;
        try {
            accounts = ManifestValidator.validateAclBody(body);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        return change(uuid, caller, current -> {
            Set<String> acl = new LinkedHashSet<>(current.acl());
            if (add) {
                acl.addAll(accounts);
                if (acl.size() > ManifestValidator.MAX_ACL) {
                    throw ImgapiError.invalidParameter("acl", "acl may list at most " + ManifestValidator.MAX_ACL + " accounts")
                            .toException();
                }
            } else {
                accounts.forEach(acl::remove);
            }
            return acl.equals(current.acl()) ? current : current.withAcl(acl);
        });
    }

    /** Records the file of an image after its bytes were committed to the blob store. */
    public Future<Manifest> addFile(String uuid, ImageFile file, Caller caller) {
        return change(uuid, caller, current -> {
            checkFileMutable(current);
            return current.withFile(file);
        });
    }

    /** Fails unless a file may still be added to this image; checked before any byte is read. */
    public void checkFileMutable(Manifest current) {
        requireHome(current);
        if (current.file() != null) {
            throw new ImgapiError(ErrorCode.IMAGE_FILES_IMMUTABLE, "image " + current.uuid() + " already has a file; files are immutable")
                    .toException();
        }
        if (current.state() != ImageState.UNACTIVATED) {
            throw new ImgapiError(ErrorCode.IMAGE_FILES_IMMUTABLE, "image " + current.uuid() + " is activated; files are immutable")
                    .toException();
        }
    }

    public Future<Void> delete(String uuid, Caller caller) {
        String[] releasedFile = new String[1];
        return change(uuid, caller, current -> {
            for (Manifest other : catalog.all()) {
                if (uuid.equals(other.origin())) {
                    throw new ImgapiError(ErrorCode.IMAGE_HAS_DEPENDENT_IMAGES,
                            "image " + uuid + " is the origin of image " + other.uuid()).toException();
                }
            }
            if (current.file() != null) {
                releasedFile[0] = current.file().sha1();
            }
            return null;
        }).map(deleted -> {
            String sha1 = releasedFile[0];
            if (sha1 != null && catalog.imagesWithFile(sha1).isEmpty()) {
                releaser.released(sha1);
            }
            return null;
        });
    }

    /** Finds the image as the caller sees it, checks ownership, then mutates it on the catalog's writer. */
    private Future<Manifest> change(String uuid, Caller caller, Catalog.Mutation mutation) {
        try {
            requireUuid(uuid);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        return catalog.mutate(uuid, current -> {
            if (current == null || !current.visibleTo(caller.account())) {
                throw ImgapiError.notFound("image " + uuid).toException();
            }
            if (caller.account() != null && !caller.account().equals(current.owner())) {
                throw new ImgapiError(ErrorCode.NOT_IMAGE_OWNER,
                        "account " + caller.account() + " does not own image " + uuid).toException();
            }
            requireHome(current);
            return mutation.apply(current);
        });
    }

    /**
     * An image is changed only in its home DC; other DCs forward. Reaching this with a foreign image means the
     * forwarder's view was stale, which a retry fixes.
     */
    private void requireHome(Manifest current) {
        if (!current.homeDc().equals(dc)) {
            throw new ImgapiError(ErrorCode.SERVICE_UNAVAILABLE, "image " + current.uuid() + " is homed in DC "
                    + current.homeDc() + ", not " + dc + "; send changes to its home DC", List.of(), 1).toException();
        }
    }

    private void checkOrigin(ObjectNode fields) {
        JsonNode origin = fields.get("origin");
        if (origin == null) {
            return;
        }
        Manifest o = catalog.get(origin.asText()).orElse(null);
        if (o == null) {
            throw ImgapiError.withField(ErrorCode.ORIGIN_DOES_NOT_EXIST, "origin",
                    "origin image " + origin.asText() + " does not exist").toException();
        }
        if (o.state() != ImageState.ACTIVE) {
            throw ImgapiError.withField(ErrorCode.ORIGIN_IS_NOT_ACTIVE, "origin",
                    "origin image " + origin.asText() + " is not active").toException();
        }
    }

    private static void requireOperator(Caller caller, String what) {
        if (!caller.operator()) {
            throw new ImgapiError(ErrorCode.OPERATOR_ONLY, what + " is an operator-only action").toException();
        }
    }

    /** A path uuid that is not a lowercase uuid names no image: 404, as IMGAPI answers. */
    public static void requireUuid(String uuid) {
        if (uuid == null || !ManifestValidator.UUID.matcher(uuid).matches()) {
            throw ImgapiError.notFound("image " + (uuid == null ? "" : sanitize(uuid))).toException();
        }
    }

    private static String sanitize(String s) {
        String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        return cut.replaceAll("[^A-Za-z0-9._-]", "?");
    }
}
