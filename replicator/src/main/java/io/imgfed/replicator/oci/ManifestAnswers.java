package io.imgfed.replicator.oci;

import io.imgfed.protocol.oci.Descriptor;
import io.imgfed.protocol.oci.ManifestDocument;
import io.imgfed.protocol.oci.OciDigest;
import io.imgfed.protocol.oci.OciError;
import io.imgfed.protocol.oci.OciErrorCode;
import io.imgfed.protocol.oci.OciException;
import io.imgfed.protocol.oci.Reference;
import io.imgfed.protocol.oci.RepositoryName;
import io.imgfed.protocol.oci.Tag;
import io.imgfed.transfer.store.BlobStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code /v2/<name>/manifests/<reference>}: GET and HEAD answer the stored bytes unchanged with their stored
 * media type and digest; PUT checks the document, refuses one whose referenced blobs or child manifests are not
 * here (MANIFEST_BLOB_UNKNOWN), checks a digest reference against the bytes, and stores it (and moves the tag);
 * DELETE by digest removes the manifest and the tags naming it, by tag only the tag.
 */
final class ManifestAnswers {
    private final Registry registry;
    private final BlobStore store;
    private final TagPublisher publisher;

    ManifestAnswers(Registry registry, BlobStore store, TagPublisher publisher) {
        this.registry = registry;
        this.store = store;
        this.publisher = publisher;
    }

    Future<Void> get(HttpServerRequest req, OciPath.Manifest path) {
        return answer(req, resolve(path.name(), path.reference()));
    }

    /** Answers a GET or HEAD with the manifest's stored bytes and media type. */
    Future<Void> answer(HttpServerRequest req, Registry.StoredManifest m) {
        HttpServerResponse res = req.response();
        res.putHeader("Content-Type", m.mediaType())
                .putHeader("Docker-Content-Digest", m.digest())
                .putHeader("ETag", "\"" + m.digest() + "\"")
                .putHeader("Content-Length", String.valueOf(m.size()));
        if (req.method() == HttpMethod.HEAD) {
            return res.end();
        }
        return res.end(Buffer.buffer(m.body()));
    }

    Future<Void> put(HttpServerRequest req, OciPath.Manifest path) {
        String length = req.getHeader("Content-Length");
        if (length != null) {
            long n;
            try {
                n = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                throw new OciException(OciErrorCode.SIZE_INVALID, "Content-Length is not a number");
            }
            if (n > ManifestDocument.MAX_BYTES) {
                throw new OciException(OciErrorCode.MANIFEST_INVALID, "manifest is " + n + " bytes; the limit is "
                        + ManifestDocument.MAX_BYTES);
            }
        }
        return readBody(req, ManifestDocument.MAX_BYTES).compose(body -> {
            ManifestDocument doc = ManifestDocument.parse(body, req.getHeader("Content-Type"));
            if (path.reference() instanceof OciDigest d && !d.matches(body)) {
                throw new OciException(OciErrorCode.DIGEST_INVALID, "the manifest's digest is " + doc.digest()
                        + ", not " + d + " as its URL says");
            }
            List<OciError> missing = new ArrayList<>();
            List<String> references = new ArrayList<>();
            for (Descriptor d : doc.requiredContent()) {
                String digest = d.digest().toString();
                references.add(digest);
                boolean present = doc.isIndex() ? registry.manifest(path.name().value(), digest).isPresent()
                        : registry.blob(digest).filter(b -> store.contains(b.sha1())).isPresent();
                if (!present) {
                    missing.add(new OciError(OciErrorCode.MANIFEST_BLOB_UNKNOWN, (doc.isIndex() ? "manifest " : "blob ")
                            + digest + " is not in " + path.name()));
                }
            }
            if (!missing.isEmpty()) {
                throw missing.get(0).toException();
            }
            String tag = path.reference() instanceof Tag t ? t.value() : null;
            Registry.StoredManifest stored = new Registry.StoredManifest(doc.digest().toString(), doc.mediaType(), body,
                    references);
            List<String> needBlobs = doc.isIndex() ? List.of() : references;
            List<String> needManifests = doc.isIndex() ? references : List.of();
            return registry.putManifest(path.name().value(), stored, tag, needBlobs, needManifests).onSuccess(m -> {
                if (tag != null) {
                    publisher.tagged(path.name().value(), tag);
                }
            });
        }).compose(m -> req.response().setStatusCode(201)
                .putHeader("Location", "/v2/" + path.name() + "/manifests/" + m.digest())
                .putHeader("Docker-Content-Digest", m.digest())
                .putHeader("Content-Length", "0")
                .end());
    }

    Future<Void> delete(HttpServerRequest req, OciPath.Manifest path) {
        String repo = path.name().value();
        Future<List<String>> deleted = path.reference() instanceof Tag t
                ? registry.deleteTag(repo, t.value()).map(found -> found ? List.of(t.value()) : null)
                : registry.deleteManifest(repo, path.reference().toString());
        return deleted.compose(tags -> {
            if (tags == null) {
                return Future.failedFuture(new OciException(OciErrorCode.MANIFEST_UNKNOWN,
                        "manifest " + path.reference() + " is not in " + path.name()));
            }
            tags.forEach(t -> publisher.untagged(repo, t));
            return req.response().setStatusCode(202).putHeader("Content-Length", "0").end();
        });
    }

    private Registry.StoredManifest resolve(RepositoryName name, Reference ref) {
        String repo = name.value();
        String digest = ref instanceof Tag t ? registry.tagged(repo, t.value()).orElse(null) : ref.toString();
        if (digest == null) {
            throw unknown(name, ref);
        }
        return registry.manifest(repo, digest).orElseThrow(() -> unknown(name, ref));
    }

    private OciException unknown(RepositoryName name, Reference ref) {
        if (!registry.repositoryExists(name.value())) {
            return new OciException(OciErrorCode.NAME_UNKNOWN, "repository " + name + " is not known here");
        }
        return new OciException(OciErrorCode.MANIFEST_UNKNOWN, "manifest " + ref + " is not in " + name);
    }

    /** The whole body, at most {@code max} bytes (MANIFEST_INVALID past that; the rest is not read). */
    static Future<byte[]> readBody(HttpServerRequest req, int max) {
        Promise<byte[]> p = Promise.promise();
        Buffer acc = Buffer.buffer();
        req.handler(buf -> {
            if (acc.length() + buf.length() > max) {
                req.handler(null);
                p.tryFail(new OciException(OciErrorCode.MANIFEST_INVALID, "manifest is larger than the limit of "
                        + max + " bytes"));
                return;
            }
            acc.appendBuffer(buf);
        });
        req.exceptionHandler(p::tryFail);
        req.endHandler(v -> p.tryComplete(acc.getBytes()));
        req.resume();
        return p.future();
    }
}
