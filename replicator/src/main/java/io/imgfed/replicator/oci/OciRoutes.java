package io.imgfed.replicator.oci;

import io.imgfed.protocol.oci.OciDigest;
import io.imgfed.protocol.oci.OciErrorCode;
import io.imgfed.protocol.oci.OciException;
import io.imgfed.protocol.oci.RepositoryName;
import io.imgfed.protocol.oci.TagList;
import io.imgfed.protocol.oci.TagPage;
import io.imgfed.protocol.oci.UploadRange;
import io.imgfed.protocol.oci.UpstreamRef;
import io.imgfed.replicator.oci.mirror.MirrorCounter;
import io.imgfed.replicator.oci.mirror.MirrorStatus;
import io.imgfed.replicator.oci.mirror.MirroredBlobs;
import io.imgfed.replicator.oci.mirror.MirroredManifests;
import io.imgfed.replicator.oci.mirror.Upstreams;
import io.imgfed.replicator.api.ClientApi;
import io.imgfed.replicator.auth.CallerResolver;
import io.imgfed.transfer.store.BlobStore;
import io.imgfed.transfer.store.SpaceReservations;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * The OCI Distribution front (Distribution Spec v1.1, Docker Registry HTTP API v2) under {@code /v2/} of the
 * client listener: parses the path, authenticates the caller as the IMGAPI front does, and hands the request to
 * the manifest, blob, upload or tag answers. Every failure is answered in the spec's error format by
 * {@link OciErrorResponses}.
 */
public final class OciRoutes {
    static final String API_VERSION = "registry/2.0";

    /** Counts an answered request: front, method, status. */
    @FunctionalInterface
    public interface RequestCounter {
        void answered(String front, String method, int status);
    }

    private final CallerResolver callers;
    private final RequestCounter counter;
    private final Registry registry;
    private final ManifestAnswers manifests;
    private final BlobAnswers blobs;
    private final BlobUploads uploads;

    private final TagPublisher publisher;
    /** Null when no upstream is configured: every repository is this DC's own. */
    private final Upstreams upstreams;
    private final MirroredManifests mirroredManifests;
    private final MirroredBlobs mirroredBlobs;
    private final MirrorStatus mirrorStatus;
    private final OciPrefetch prefetch;

    /**
     * @param engine pulls blobs other DCs hold (null: this front serves only what is here)
     * @param board publishes this DC's tags to the federation
     */
    public OciRoutes(Vertx vertx, CallerResolver callers, Registry registry, BlobStore store, SpaceReservations space,
            RequestCounter counter, io.imgfed.transfer.pull.TransferEngine engine, java.time.Duration firstByteTimeout,
            java.util.function.Consumer<io.imgfed.protocol.federation.OciTagRecord> board) {
        this(vertx, callers, registry, store, space, counter, engine, firstByteTimeout, board, null, MirrorCounter.NONE,
                new RepositoryOwners(java.util.Map.of()));
    }

    /**
     * @param upstreams the registries this DC mirrors (null or none: no mirror)
     * @param mirrorCounter counts the mirror's upstream fetches
     * @param owners who the bytes pulled for each repository are billed to
     */
    public OciRoutes(Vertx vertx, CallerResolver callers, Registry registry, BlobStore store, SpaceReservations space,
            RequestCounter counter, io.imgfed.transfer.pull.TransferEngine engine, java.time.Duration firstByteTimeout,
            java.util.function.Consumer<io.imgfed.protocol.federation.OciTagRecord> board, Upstreams upstreams,
            MirrorCounter mirrorCounter, RepositoryOwners owners) {
        this.callers = callers;
        this.counter = counter;
        this.registry = registry;
        this.publisher = new TagPublisher(registry, board);
        this.manifests = new ManifestAnswers(registry, store, publisher);
        this.blobs = new BlobAnswers(registry, store, engine == null ? null
                : new OciPullThrough(engine, store, firstByteTimeout, owners));
        this.uploads = new BlobUploads(vertx, store, space, registry);
        this.upstreams = upstreams == null || !upstreams.any() ? null : upstreams;
        this.mirroredManifests = this.upstreams == null ? null
                : new MirroredManifests(registry, upstreams, mirrorCounter, publisher::tagged);
        this.mirroredBlobs = this.upstreams == null ? null
                : new MirroredBlobs(vertx, registry, store, space, upstreams, mirrorCounter, publisher::republish);
        this.mirrorStatus = this.upstreams == null ? null : new MirrorStatus(registry.dc(), upstreams, mirroredBlobs);
        this.prefetch = new OciPrefetch(registry, store, engine, this.upstreams, mirroredManifests, mirroredBlobs, owners);
    }

    OciPrefetch prefetch() {
        return prefetch;
    }

    /** The mirror's fetches and failing upstreams, as rows of {@code /transfers}. */
    public com.fasterxml.jackson.databind.node.ArrayNode mirrorRows() {
        return mirrorStatus == null ? io.imgfed.protocol.json.Json.array() : mirrorStatus.rows();
    }

    /**
     * Answers {@code /federation/availability?oci=<repo>:<tag>|<repo>@<digest>} (mount before the IMGAPI
     * availability route, which takes every request without {@code oci}).
     */
    public void mountAvailability(Router router,
            java.util.function.Function<String, java.util.Map<String, io.imgfed.protocol.federation.AvailabilityRecord>> holders,
            java.util.function.Supplier<List<io.imgfed.federation.liveness.DcView>> dcs) {
        OciAvailability availability = new OciAvailability(registry, holders, dcs);
        router.get("/federation/availability").handler(ctx -> {
            if (ctx.request().getParam("oci") == null) {
                ctx.next();
                return;
            }
            try {
                callers.resolve(ctx);
            } catch (RuntimeException e) {
                OciErrorResponses.send(ctx.response(), e, ClientApi.requestId(ctx));
                return;
            }
            availability.handle(ctx);
        });
    }

    /**
     * Runs the garbage collector every {@code interval}: manifests no tag reaches and blobs no manifest references,
     * once older than {@code grace}; a file the store keeps for something else ({@code keepFile}) stays.
     */
    public void collectGarbageEvery(Vertx vertx, java.time.Duration interval, java.time.Duration grace,
            java.util.function.Predicate<String> keepFile, java.util.function.Function<String, Future<Boolean>> deleteFile) {
        vertx.setPeriodic(interval.toMillis(), id -> registry.collectGarbage(grace, keepFile, deleteFile)
                .onSuccess(gone -> {
                    if (!gone.isEmpty()) {
                        org.slf4j.LoggerFactory.getLogger(OciRoutes.class).info("OCI garbage collection deleted {}: {}",
                                gone.size(), gone.size() > 20 ? gone.subList(0, 20) + "..." : gone);
                    }
                })
                .onFailure(err -> org.slf4j.LoggerFactory.getLogger(OciRoutes.class).warn("OCI garbage collection failed",
                        err)));
    }

    /** Publishes every tag pushed here to the federation (at start). */
    public void publishTags() {
        publisher.publishAll();
    }

    public void mount(Router router) {
        router.route("/v2").handler(this::handle);
        router.route("/v2/*").handler(this::handle);
    }

    /** Cancels every upload in progress (at shutdown). */
    public Future<Void> abortUploads() {
        return uploads.abortAll();
    }

    public int uploadsInProgress() {
        return uploads.inProgress();
    }

    private void handle(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        // A body is read only by the answer that wants it, once it has checked the request.
        req.pause();
        req.response().putHeader("Docker-Distribution-API-Version", API_VERSION);
        ctx.addEndHandler(ar -> counter.answered("oci", req.method().name(), req.response().getStatusCode()));
        Future<Void> answered;
        try {
            callers.resolve(ctx);
            // The path the router matched ("//v2/x" is "/v2/x"), so a request this front claims is one it parses.
            answered = dispatch(req, OciPath.parse(ctx.normalizedPath()), ClientApi.requestId(ctx));
        } catch (RuntimeException e) {
            answered = Future.failedFuture(e);
        }
        answered.onFailure(err -> fail(ctx, err));
    }

    private Future<Void> dispatch(HttpServerRequest req, OciPath path, String requestId) {
        HttpMethod m = req.method();
        if (path instanceof OciPath.Base) {
            allow(m, HttpMethod.GET, HttpMethod.HEAD);
            return json(req.response(), 200, Buffer.buffer("{}"));
        }
        UpstreamRef upstream = upstreamOf(path, req);
        if (upstream != null) {
            return mirror(req, path, upstream, requestId);
        }
        if (path instanceof OciPath.Manifest p) {
            allow(m, HttpMethod.GET, HttpMethod.HEAD, HttpMethod.PUT, HttpMethod.DELETE);
            return m == HttpMethod.PUT ? manifests.put(req, p)
                    : m == HttpMethod.DELETE ? manifests.delete(req, p) : manifests.get(req, p);
        }
        if (path instanceof OciPath.Blob p) {
            allow(m, HttpMethod.GET, HttpMethod.HEAD, HttpMethod.DELETE);
            if (m == HttpMethod.DELETE) {
                throw new OciException(OciErrorCode.UNSUPPORTED, "blobs are deleted by garbage collection, not by "
                        + "request");
            }
            return blobs.serve(req, p, p.name().value(), requestId);
        }
        if (path instanceof OciPath.Upload p) {
            return upload(req, p);
        }
        if (path instanceof OciPath.TagsList p) {
            allow(m, HttpMethod.GET);
            return tags(req, p.name());
        }
        throw new OciException(OciErrorCode.NAME_UNKNOWN, "no OCI endpoint at " + req.path());
    }

    /**
     * The upstream a request's repository is mirrored from, or null for this DC's own repositories (no upstream
     * configured, or a name that resolves to none). A name that only the default upstream would take is this
     * DC's own while a repository of that name was pushed here, so a default never shadows local pushes.
     */
    private UpstreamRef upstreamOf(OciPath path, HttpServerRequest req) {
        if (upstreams == null) {
            return null;
        }
        RepositoryName name = path instanceof OciPath.Manifest p ? p.name()
                : path instanceof OciPath.Blob p ? p.name()
                : path instanceof OciPath.Upload p ? p.name()
                : path instanceof OciPath.TagsList p ? p.name() : null;
        if (name == null) {
            return null;
        }
        UpstreamRef ref = upstreams.resolve(name, req.getParam("ns"));
        if (ref.isLocal() || (ref.viaDefault() && registry.repositoryExists(name.value()))) {
            return null;
        }
        return ref;
    }

    /** A mirrored repository: read-only, served from the cache, other DCs, or the upstream. */
    private Future<Void> mirror(HttpServerRequest req, OciPath path, UpstreamRef ref, String requestId) {
        HttpMethod m = req.method();
        if (path instanceof OciPath.Upload || m == HttpMethod.PUT || m == HttpMethod.DELETE || m == HttpMethod.PATCH) {
            throw new OciException(OciErrorCode.DENIED, ref.key() + " is a mirror of " + ref.upstream()
                    + ": push to the upstream, or to a repository of this DC's own");
        }
        if (path instanceof OciPath.Manifest p) {
            allow(m, HttpMethod.GET, HttpMethod.HEAD);
            return mirroredManifests.get(ref, p.reference()).compose(a -> {
                req.response().putHeader("X-Imgfed-Upstream", a.freshness().name().toLowerCase(java.util.Locale.ROOT));
                return manifests.answer(req, a.manifest());
            });
        }
        if (path instanceof OciPath.Blob p) {
            allow(m, HttpMethod.GET, HttpMethod.HEAD);
            return mirroredBlobs.ensure(ref, p.digest()).compose(b -> blobs.serve(req, p, ref.key(), requestId));
        }
        allow(m, HttpMethod.GET);
        return tags(req, RepositoryName.parse(ref.key()));
    }

    private Future<Void> upload(HttpServerRequest req, OciPath.Upload p) {
        HttpMethod m = req.method();
        if (p.session() == null) {
            allow(m, HttpMethod.POST);
            String mount = req.getParam("mount");
            if (mount != null) {
                OciDigest d = OciDigest.parse(mount);
                if (registry.localBlob(d.toString()).isPresent()) {
                    return created(req.response(), p.name(), d.toString());
                }
            }
            String digest = req.getParam("digest");
            if (digest != null) {
                OciDigest d = OciDigest.parse(digest);
                return uploads.start(p.name()).compose(s -> uploads.finish(s, req, d))
                        .compose(b -> created(req.response(), p.name(), b.digest()));
            }
            return uploads.start(p.name()).compose(s -> accepted(req.response(), s, 202));
        }
        allow(m, HttpMethod.GET, HttpMethod.PATCH, HttpMethod.PUT, HttpMethod.DELETE);
        BlobUploads.Session s = uploads.find(p.name(), p.session());
        if (m == HttpMethod.GET) {
            return accepted(req.response(), s, 204);
        }
        if (m == HttpMethod.DELETE) {
            return uploads.cancel(s).compose(v -> req.response().setStatusCode(204).end());
        }
        if (m == HttpMethod.PATCH) {
            return uploads.append(s, req).compose(x -> accepted(req.response(), s, 202));
        }
        String digest = req.getParam("digest");
        if (digest == null) {
            throw new OciException(OciErrorCode.DIGEST_INVALID, "PUT of an upload needs ?digest=<the blob's digest>");
        }
        OciDigest d = OciDigest.parse(digest);
        return uploads.finish(s, req, d).compose(b -> created(req.response(), p.name(), b.digest()));
    }

    private Future<Void> tags(HttpServerRequest req, RepositoryName name) {
        Integer n = TagPage.parseLimit(req.getParam("n"));
        if (!registry.repositoryExists(name.value())) {
            throw new OciException(OciErrorCode.NAME_UNKNOWN, "repository " + name + " is not known here");
        }
        TagPage page = TagPage.of(registry.tags(name.value()), n, req.getParam("last"));
        HttpServerResponse res = req.response();
        if (page.hasMore()) {
            res.putHeader("Link", page.linkHeader(name));
        }
        return json(res, 200, Buffer.buffer(TagList.of(name, page).toBytes()));
    }

    private static Future<Void> created(HttpServerResponse res, RepositoryName name, String digest) {
        return res.setStatusCode(201)
                .putHeader("Location", "/v2/" + name + "/blobs/" + digest)
                .putHeader("Docker-Content-Digest", digest)
                .putHeader("Content-Length", "0")
                .end();
    }

    private static Future<Void> accepted(HttpServerResponse res, BlobUploads.Session s, int status) {
        return res.setStatusCode(status)
                .putHeader("Location", "/v2/" + s.repo + "/blobs/uploads/" + s.id)
                .putHeader("Docker-Upload-UUID", s.id)
                .putHeader("Range", UploadRange.header(s.offset))
                .putHeader("Content-Length", "0")
                .end();
    }

    private static Future<Void> json(HttpServerResponse res, int status, Buffer body) {
        return res.setStatusCode(status)
                .putHeader("Content-Type", "application/json")
                .putHeader("Content-Length", String.valueOf(body.length()))
                .end(body);
    }

    private static void allow(HttpMethod m, HttpMethod... allowed) {
        if (!List.of(allowed).contains(m)) {
            throw new OciException(OciErrorCode.UNSUPPORTED, m + " is not supported here");
        }
    }

    /**
     * Answers a failure. A body the client is still sending is read and dropped (up to a limit; past it the
     * connection closes), or the client would stall before it sees the answer.
     */
    private static void fail(RoutingContext ctx, Throwable err) {
        HttpServerRequest req = ctx.request();
        if (!req.isEnded()) {
            long[] drained = {0};
            req.handler(buf -> {
                drained[0] += buf.length();
                if (drained[0] > 16L << 20) {
                    req.handler(null);
                    req.connection().close();
                }
            });
            req.exceptionHandler(e -> { });
            req.endHandler(v -> { });
            req.resume();
        }
        OciErrorResponses.send(req.response(), err, ClientApi.requestId(ctx));
    }
}
