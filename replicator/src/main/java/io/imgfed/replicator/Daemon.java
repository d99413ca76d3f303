package io.imgfed.replicator;

import io.imgfed.federation.Federation;
import io.imgfed.federation.FederationSettings;
import io.imgfed.federation.topology.SourceChooser;
import io.imgfed.federation.topology.ThroughputEstimates;
import io.imgfed.protocol.federation.DcRecord;
import io.imgfed.protocol.manifest.Manifest;
import io.imgfed.replicator.api.ClientApi;
import io.imgfed.federation.liveness.DcStatus;
import io.imgfed.protocol.error.ErrorCode;
import io.imgfed.protocol.error.ImgapiError;
import io.imgfed.replicator.api.FederationRoutes;
import io.imgfed.replicator.api.JsonResponses;
import io.imgfed.replicator.api.Prefetch;
import io.imgfed.replicator.api.PullThrough;
import io.imgfed.replicator.api.StatusRoutes;
import io.imgfed.replicator.api.TransferRoutes;
import io.imgfed.replicator.auth.AuthenticatedCallers;
import io.imgfed.replicator.auth.Caller;
import io.imgfed.replicator.auth.Users;
import io.imgfed.replicator.billing.Billing;
import io.imgfed.replicator.federated.AvailabilityPublisher;
import io.imgfed.replicator.federated.FederatedSources;
import io.imgfed.replicator.metrics.TransferMetrics;
import io.imgfed.replicator.peer.PeerFiles;
import io.imgfed.replicator.peer.PeerTls;
import io.imgfed.transfer.pull.HttpPeerFetcher;
import io.imgfed.transfer.pull.TransferEngine;
import io.imgfed.transfer.pull.TransferListener;
import io.imgfed.transfer.pull.TransferPolicy;
import io.imgfed.transfer.store.LruEvictor;
import io.micrometer.core.instrument.Counter;
import java.util.List;
import io.imgfed.replicator.auth.ForwardedCallers;
import io.imgfed.replicator.federated.CatalogSink;
import io.imgfed.replicator.federated.CatalogWatch;
import io.imgfed.replicator.peer.HomeForwarder;
import io.imgfed.replicator.peer.PeerApi;
import io.imgfed.replicator.peer.PeerClient;
import io.vertx.core.http.HttpClientOptions;
import java.util.function.Supplier;
import io.imgfed.replicator.api.Downloads;
import io.imgfed.replicator.api.HttpListener;
import io.imgfed.replicator.api.ImageRoutes;
import io.imgfed.replicator.api.LocalFiles;
import io.imgfed.replicator.api.OpsRoutes;
import io.imgfed.replicator.api.Uploads;
import io.imgfed.replicator.auth.CallerResolver;
import io.imgfed.replicator.auth.DatacenterCallers;
import io.imgfed.replicator.catalog.Catalog;
import io.imgfed.replicator.config.ImgfedConfig;
import io.imgfed.replicator.health.Readiness;
import io.imgfed.replicator.images.ImageService;
import io.imgfed.replicator.metrics.ImgfedMetrics;
import io.imgfed.transfer.store.BlobStore;
import io.imgfed.transfer.store.SpaceReservations;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One DC's imgfed daemon: opens the store and catalog, builds the services, and serves the client API.
 * Several daemons can live in one JVM (tests, the demo); each has its own Vert.x and metrics registry.
 */
public final class Daemon {
    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(5);

    private final ImgfedConfig config;
    private final Vertx vertx;
    private final ImgfedMetrics metrics;
    /** How long deletions of images homed here are re-announced after a restart. */
    private static final Duration TOMBSTONE_RETENTION = Duration.ofDays(30);

    private final java.util.List<DirectoryLock> locks = new java.util.ArrayList<>();
    private BlobStore store;
    private Catalog catalog;
    private io.imgfed.replicator.oci.Registry ociRegistry;
    private io.imgfed.replicator.oci.OciRoutes oci;
    private io.imgfed.replicator.oci.mirror.Upstreams upstreams;
    /** Set once the client listener's routes exist; the peer route answers 503 before that. */
    private volatile io.imgfed.replicator.oci.OciPrefetchRoutes ociPrefetch;
    private CallerResolver callers;
    private ImageService images;
    private Uploads uploads;
    private Uploads forwardedUploads;
    private LocalFiles local;
    private HttpListener peer;
    private Federation federation;
    private SourceChooser sources;
    private PeerClient peerClient;
    private LruEvictor evictor;
    private Billing billing;
    private SpaceReservations space;
    private volatile TransferEngine engine;
    private volatile Prefetch prefetch;
    private HttpListener http;
    private volatile boolean stopping;

    private Daemon(ImgfedConfig config, Vertx vertx, ImgfedMetrics metrics) {
        this.config = config;
        this.vertx = vertx;
        this.metrics = metrics;
    }

    /**
     * Starts a daemon; the future fails (and everything opened is closed) if any part cannot start. The data
     * directory is locked first, on the caller's thread, so a daemon refused for a directory in use logs nothing.
     */
    public static Future<Daemon> start(ImgfedConfig config) {
        List<DirectoryLock> locks;
        try {
            locks = lockDirectories(config);
        } catch (java.io.IOException e) {
            return Future.failedFuture(e);
        }
        ImgfedMetrics metrics = new ImgfedMetrics();
        Vertx vertx = Vertx.builder()
                .with(new VertxOptions()
                        // A registry name of its own: vertx-micrometer shares one backend per name, which would merge
                        // the HTTP figures of several daemons in one JVM (the demo, tests) into the first one's.
                        .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)
                                .setRegistryName("imgfed-" + config.dc() + "-" + java.util.UUID.randomUUID())
                                .addLabels(io.vertx.micrometer.Label.LOCAL))
                        .setBlockedThreadCheckInterval(2)
                        .setBlockedThreadCheckIntervalUnit(TimeUnit.SECONDS))
                .withMetrics(new MicrometerMetricsFactory(metrics.registry()))
                .build();
        Daemon d = new Daemon(config, vertx, metrics);
        d.locks.addAll(locks);
        return d.startParts().transform(ar -> {
            if (ar.succeeded()) {
                LOG.info("imgfed {} serving DC {} on http://{}:{}", Version.get(), config.dc(), config.http().host(), d.httpPort());
                return Future.succeededFuture(d);
            }
            LOG.error("imgfed could not start: {}", ar.cause().toString());
            return d.stop().transform(ignored -> Future.failedFuture(ar.cause()));
        });
    }

    /**
     * One daemon per data directory (and per outbox, which may live elsewhere): locked before anything in them is
     * read or written, so a second daemon started by mistake touches nothing of the live one.
     */
    private static List<DirectoryLock> lockDirectories(ImgfedConfig config) throws java.io.IOException {
        List<DirectoryLock> out = new java.util.ArrayList<>();
        try {
            out.add(DirectoryLock.acquire(config.data().dir()));
            java.nio.file.Path outbox = config.billing().outbox().toAbsolutePath().normalize();
            if (!outbox.startsWith(config.data().dir().toAbsolutePath().normalize())) {
                out.add(DirectoryLock.acquire(outbox));
            }
            return out;
        } catch (java.io.IOException e) {
            out.forEach(DirectoryLock::close);
            throw e;
        }
    }

    private Future<Void> startParts() {
        ImgfedConfig.Data data = config.data();
        return BlobStore.open(vertx, data.dir())
                .compose(s -> {
                    store = s;
                    return Catalog.open(vertx, data.dir(), config.dc());
                })
                .compose(c -> {
                    catalog = c;
                    return io.imgfed.replicator.oci.Registry.open(vertx, data.dir(), config.dc());
                })
                .compose(r -> {
                    ociRegistry = r;
                    return Billing.open(vertx, config.billing(), config.dc());
                })
                .compose(b -> {
                    billing = b;
                    billing.registerMetrics(metrics.registry());
                    buildServices();
                    return startPeer();
                })
                .compose(v -> joinFederation())
                .compose(v -> startHttp());
    }

    private void buildServices() {
        callers = callerResolver();
        images = new ImageService(catalog, config.dc(), Clock.systemUTC(), store::delete);
        Counter evictions = Counter.builder("imgfed.evictions").description("Files evicted to stay within data.capacity")
                .register(metrics.registry());
        evictor = new LruEvictor(store, this::mustKeep, evictions::increment);
        space = new SpaceReservations(store, config.data().capacity(), evictor::makeRoom);
        uploads = new Uploads(images, callers, store, space);
        forwardedUploads = new Uploads(images, new ForwardedCallers(), store, space,
                new io.imgfed.replicator.billing.ForwardedUploads(config.dc(), billing.recorder(vertx.getOrCreateContext())));
        local = new LocalFiles(store);
        metrics.gauge("imgfed.catalog.images", "Images this DC knows, homed here or gossiped by other DCs", catalog::size);
        metrics.gauge("imgfed.store.bytes", "Bytes of image files held in this DC", store::usedBytes);
        metrics.gauge("imgfed.store.capacity.bytes", "data.capacity: the most bytes of image files this DC keeps",
                config.data()::capacity);
    }

    /** Who a client request acts as, per {@code auth.mode}. */
    private CallerResolver callerResolver() {
        ImgfedConfig.Auth a = config.auth();
        if (a.mode() == ImgfedConfig.AuthMode.NONE) {
            return new DatacenterCallers();
        }
        try {
            Users users = Users.load(a.keys(), a.tokens(), java.util.Set.copyOf(a.operators()));
            if (a.mode() == ImgfedConfig.AuthMode.SIGNATURE && a.dateOnlySignatures()) {
                LOG.warn("auth.dateOnlySignatures is true: signatures that cover only the date (as sdc-clients makes "
                        + "them) are accepted, and such a signature can be replayed to any other method and path for "
                        + "up to auth.clockSkew ({})", a.clockSkew());
            }
            return new AuthenticatedCallers(a.mode(), users, a.clockSkew(), a.dateOnlySignatures(), Clock.systemUTC());
        } catch (java.io.IOException e) {
            throw new io.imgfed.replicator.config.ConfigException("auth", e.getMessage());
        }
    }

    /** Files eviction must leave alone: those of images homed here (with data.pinHome) and those being pulled. */
    private boolean mustKeep(String sha1) {
        if (engine != null && engine.find(sha1).isPresent()) {
            return true;
        }
        if (ociRegistry != null && ociRegistry.holdsSha1(sha1)) {
            // pushed to this DC's registry: its only copy until OCI federation and garbage collection (issue 14)
            return true;
        }
        if (!config.data().pinHome()) {
            return false;
        }
        for (String uuid : catalog.imagesWithFile(sha1)) {
            if (catalog.get(uuid).map(m -> m.homeDc().equals(config.dc())).orElse(false)) {
                return true;
            }
        }
        return false;
    }

    private Future<Void> startPeer() {
        ImageRoutes forwarded = new ImageRoutes(images, new ForwardedCallers(), Map.of());
        PeerFiles files = new PeerFiles(store, catalog, local);
        ForwardedCallers peerCallers = new ForwardedCallers();
        Router router = new PeerApi(config.dc()).router(vertx, forwarded, config.peer().maxBodyBytes(),
                forwardedUploads::handle, r -> {
                    files.mount(r);
                    r.post(io.imgfed.replicator.oci.OciPrefetchRoutes.PEER_PATH).handler(ctx -> {
                        if (ociPrefetch == null) {
                            ctx.response().setStatusCode(503).end();
                        } else {
                            ociPrefetch.handlePeer(ctx);
                        }
                    });
                    r.post(Prefetch.PEER_PATH + ":uuid").handler(ctx -> {
                        Caller caller = peerCallers.resolve(ctx);
                        if (!caller.operator()) {
                            throw new ImgapiError(ErrorCode.OPERATOR_ONLY, "replicate is an operator-only action").toException();
                        }
                        Manifest image = images.get(ctx.pathParam("uuid"), caller);
                        if (image.file() == null || prefetch == null) {
                            throw ImgapiError.notFound("file of image " + image.uuid()).toException();
                        }
                        JsonResponses.send(ctx.response(), store.contains(image.file().sha1()) ? 200 : 202,
                                prefetch.startHere(image, ClientApi.requestId(ctx)));
                    });
                }, config.peer().tls() != null);
        HttpServerOptions peerOptions = listenerOptions(config.peer());
        if (config.peer().tls() != null) {
            PeerTls.server(peerOptions, config.peer().tls(), true);
        }
        return HttpListener.start(vertx, peerOptions, router, 1, config.peer().headerTimeout()).map(l -> {
            peer = l;
            return null;
        });
    }

    private String peerAddress() {
        return config.peer().advertise() != null ? config.peer().advertise() : config.peer().host() + ":" + peer.port();
    }

    private Future<Void> joinFederation() {
        ImgfedConfig.Federation f = config.federation();
        FederationSettings settings = new FederationSettings(config.dc(), f.cluster(), f.host(), f.port(), f.advertise(),
                f.members(), f.costs(), f.dcs(), f.heartbeat(), f.suspectAfter(), f.goneAfter(),
                config.data().dir().resolve("federation"),
                f.trust(), f.signingKey());
        long startedAt = System.currentTimeMillis();
        String peerAddress = peerAddress();
        Supplier<DcRecord> heartbeat = () -> new DcRecord(config.dc(), peerAddress, Version.get(), startedAt,
                store.count(), store.usedBytes(), catalog.countHomedAt(config.dc()));
        CatalogSink sink = new CatalogSink(catalog, config.dc(), store::delete);
        return Federation.join(vertx, settings, metrics.registry(), heartbeat, sink).compose(fed -> {
            federation = fed;
            sources = new SourceChooser(settings, fed.directory(), fed.availability(), new ThroughputEstimates());
            peerClient = new PeerClient(vertx, PeerTls.client(config.peer().tls()));
            ImgfedConfig.Transfer tc = config.transfer();
            TransferPolicy policy = new TransferPolicy(tc.maxConcurrent(), tc.retry().initial(), tc.retry().max(),
                    tc.retry().attempts(), tc.rateLimit(), tc.stallTimeout());
            TransferListener listeners = TransferListener.all(List.of(billing.recorder(vertx.getOrCreateContext()),
                    new TransferMetrics(metrics.registry()), new AvailabilityPublisher(fed.availability())));
            engine = new TransferEngine(vertx, config.dc(), store, space, new FederatedSources(sources),
                    new HttpPeerFetcher(peerClient.http(), peerClient.files(), config.dc(), config.peer().tls() != null), policy, listeners);
            engine.admission(billing.admission());
            metrics.gauge("imgfed.transfers.inflight", "Transfers into this DC running or waiting", engine::inflight);
            fed.directory().addListener((dc, from, to) -> {
                if (to == DcStatus.ALIVE) {
                    engine.sourceRecovered(dc);
                }
            });
            catalog.addListener((before, after) -> {
                if (after != null && after.homeDc().equals(config.dc())) {
                    fed.manifests().publish(after);
                } else if (after == null && before.homeDc().equals(config.dc())) {
                    fed.manifests().publishTombstone(before.uuid(), System.currentTimeMillis());
                }
            });
            store.addListener(new BlobStore.Listener() {
                @Override
                public void added(String sha1, long size) {
                    fed.availability().present(sha1, size);
                }

                @Override
                public void removed(String sha1) {
                    fed.availability().absent(sha1);
                }
            });
            for (Manifest m : catalog.all()) {
                if (m.homeDc().equals(config.dc())) {
                    fed.manifests().publish(m);
                }
            }
            store.list().forEach(b -> fed.availability().present(b.sha1(), b.size()));
            // Other DCs' OCI tags become visible here as their records arrive (from announce() on).
            fed.oci().sink(ociRegistry::foreign);
            long since = System.currentTimeMillis() - TOMBSTONE_RETENTION.toMillis();
            return catalog.deletionsSince(since).compose(deletions -> {
                deletions.forEach(d -> fed.manifests().publishTombstone(d.uuid(), d.deletedAtMillis()));
                fed.announce();
                // Before the client listener opens, so no request starts a pull of a file a leftover is pulling.
                return engine.resume(billing.leftovers());
            });
        });
    }

    private Future<Void> startHttp() {
        PullThrough pull = new PullThrough(engine, store, local, config.transfer().stallTimeout(), metrics::fileRequest);
        Downloads downloads = new Downloads(images, callers, local, config.dc(), pull, metrics::fileRequest);
        prefetch = new Prefetch(images, store, engine, federation.directory(), peerClient, config.dc());
        Readiness readiness = new Readiness(vertx, 2000)
                .addProbe("store", store::checkWritable)
                .addProbe("catalog", catalog::ping)
                .addProbe("registry", ociRegistry::ping)
                .add("federation", () -> Future.succeededFuture(federation.joined()
                        ? Readiness.Result.pass() : Readiness.Result.fail("not joined to the federation cluster")))
                .add("billing", billing::readiness);
        CatalogWatch watch = new CatalogWatch(vertx, catalog);
        HomeForwarder forwarder = new HomeForwarder(catalog, callers, federation.directory(), peerClient, watch, config.dc());

        Router router = ClientApi.router(vertx);
        upstreams = new io.imgfed.replicator.oci.mirror.Upstreams(vertx, config.oci());
        oci = new io.imgfed.replicator.oci.OciRoutes(vertx, callers, ociRegistry, store, space,
                metrics::frontRequest, engine, config.transfer().stallTimeout(), federation.oci()::publish, upstreams,
                metrics::upstreamFetch, new io.imgfed.replicator.oci.RepositoryOwners(config.oci().owners()));
        oci.mount(router);
        ociPrefetch = new io.imgfed.replicator.oci.OciPrefetchRoutes(callers, oci, federation.directory(), peerClient,
                config.dc());
        ociPrefetch.mount(router);
        oci.mountAvailability(router, federation.availability()::holders, federation.directory()::dcs);
        oci.publishTags();
        oci.collectGarbageEvery(vertx, config.oci().gcInterval(), config.oci().gcGrace(),
                sha1 -> !catalog.imagesWithFile(sha1).isEmpty() || engine.find(sha1).isPresent(), store::delete);
        new OpsRoutes(config.dc(), Version.get(), readiness, metrics.registry()).mount(router);
        new FederationRoutes(federation, catalog, callers, sources).mount(router);
        TransferRoutes transferRoutes = new TransferRoutes(engine, callers, oci::mirrorRows);
        transferRoutes.mount(router);
        new StatusRoutes(federation, catalog, store, space, engine, billing, callers, transferRoutes).mount(router);
        forwarder.mount(router);
        new ImageRoutes(images, callers, Map.of("replicate", prefetch)).mount(router, config.http().maxBodyBytes());
        router.put("/images/:uuid/file").handler(uploads::handle);
        router.get("/images/:uuid/file").handler(downloads::handle);
        router.head("/images/:uuid/file").handler(downloads::handle);

        HttpServerOptions options = listenerOptions(config.http());
        if (config.http().tls() != null) {
            PeerTls.server(options, config.http().tls(), false);
        }
        int instances = Math.max(1, Runtime.getRuntime().availableProcessors());
        // A capacity lowered since the last run is honoured at once.
        long over = store.usedBytes() - config.data().capacity();
        Future<Long> trimmed = over > 0 ? evictor.free(over) : Future.succeededFuture(0L);
        return trimmed.compose(freed -> HttpListener.start(vertx, options, router, instances, config.http().headerTimeout()))
                .map(l -> {
            http = l;
            // In the background: files from before piece lists get theirs (and other DCs a signed root to check).
            new io.imgfed.replicator.images.PieceBackfill(catalog, store, config.dc()).run();
            return null;
        });
    }

    static HttpServerOptions listenerOptions(ImgfedConfig.Listener l) {
        return new HttpServerOptions()
                .setHost(l.host())
                .setPort(l.port())
                .setIdleTimeout((int) l.idleTimeout().toSeconds())
                .setIdleTimeoutUnit(TimeUnit.SECONDS)
                .setHandle100ContinueAutomatically(false)
                .setMaxHeaderSize(16 * 1024)
                .setMaxInitialLineLength(8 * 1024)
                // Bigger body chunks mean fewer hand-offs per gigabyte on uploads.
                .setMaxChunkSize(64 * 1024)
                .setTcpNoDelay(true)
                .setCompressionSupported(false)
                // IMGAPI clients speak HTTP/1.1; zero-copy sendfile needs it too.
                .setHttp2ClearTextEnabled(false);
    }

    public ImgfedConfig config() {
        return config;
    }

    public Vertx vertx() {
        return vertx;
    }

    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    public String httpUrl() {
        return "http://" + config.http().host() + ":" + httpPort();
    }

    public ImgfedMetrics metrics() {
        return metrics;
    }

    public Catalog catalog() {
        return catalog;
    }

    public BlobStore store() {
        return store;
    }

    public Federation federation() {
        return federation;
    }

    public Billing billing() {
        return billing;
    }

    public TransferEngine engine() {
        return engine;
    }

    public int peerPort() {
        return peer == null ? -1 : peer.port();
    }

    /**
     * Stops the daemon: uploads in progress are abandoned (their temp files deleted), the listener stops
     * accepting and lets other requests finish briefly, then the catalog and store are closed.
     */
    public synchronized Future<Void> stop() {
        if (stopping) {
            return Future.succeededFuture();
        }
        stopping = true;
        Future<Void> aborted = Future.join(
                uploads == null ? Future.succeededFuture() : uploads.abortAll(),
                oci == null ? Future.succeededFuture() : oci.abortUploads(),
                forwardedUploads == null ? Future.succeededFuture() : forwardedUploads.abortAll()).mapEmpty();
        return aborted
                .transform(ar -> http == null ? Future.<Void>succeededFuture() : http.shutdown(SHUTDOWN_GRACE))
                .transform(ar -> peer == null ? Future.<Void>succeededFuture() : peer.shutdown(SHUTDOWN_GRACE))
                .transform(ar -> engine == null ? Future.<Void>succeededFuture() : engine.stop())
                .transform(ar -> {
                    if (peerClient != null) {
                        peerClient.close();
                    }
                    if (upstreams != null) {
                        upstreams.close();
                    }
                    if (federation != null) {
                        federation.close();
                    }
                    if (billing != null) {
                        billing.close();
                    }
                    if (catalog != null) {
                        catalog.close();
                    }
                    if (ociRegistry != null) {
                        ociRegistry.close();
                    }
                    if (store != null) {
                        store.close();
                    }
                    locks.forEach(DirectoryLock::close);
                    return vertx.close();
                })
                .onComplete(ar -> LOG.info("imgfed DC {} stopped", config.dc()));
    }
}
