package io.imgfed.federation;

import io.imgfed.federation.board.FederationNode;
import io.imgfed.federation.board.RecordBoard;
import io.imgfed.federation.board.VersionClock;
import io.imgfed.federation.gossip.AvailabilityGossip;
import io.imgfed.federation.gossip.ManifestGossip;
import io.imgfed.federation.gossip.OciGossip;
import io.imgfed.federation.liveness.DcDirectory;
import io.imgfed.federation.trust.CaTrust;
import io.imgfed.federation.trust.ListedDcs;
import io.imgfed.federation.trust.PinnedKeys;
import io.imgfed.federation.trust.SigningIdentity;
import io.imgfed.federation.trust.TrustPolicy;
import io.imgfed.protocol.federation.DcRecord;
import io.imgfed.protocol.federation.MalformedRecordException;
import io.imgfed.protocol.federation.RecordKind;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This DC's membership in the federation: the Hazelcast member, the signed record board, liveness of the
 * other DCs, and the gossip of manifests and availability.
 *
 * <p>Started in two steps: {@link #join} connects and wires everything; the daemon then publishes what it
 * owns (home manifests, files held) and calls {@link #announce()}, which starts listening to the board. In
 * that order, a record of this DC left on the board from before a restart is recognised as stale.
 */
public final class Federation implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Federation.class);

    private final FederationSettings settings;
    private final FederationNode node;
    private final RecordBoard board;
    private final VersionClock versions;
    private final DcDirectory directory;
    private final ManifestGossip manifests;
    private final OciGossip oci;
    private final AvailabilityGossip availability;
    private final FederationMetrics metrics;
    private final ScheduledExecutorService timer;
    private volatile boolean announced;

    private Federation(FederationSettings settings, FederationNode node, RecordBoard board, VersionClock versions,
            DcDirectory directory, ManifestGossip manifests, AvailabilityGossip availability, FederationMetrics metrics) {
        this.oci = new OciGossip(board);
        this.settings = settings;
        this.node = node;
        this.board = board;
        this.versions = versions;
        this.directory = directory;
        this.manifests = manifests;
        this.availability = availability;
        this.metrics = metrics;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "imgfed-heartbeat-" + settings.dc());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Joins the federation cluster (blocking work runs off the event loop) and wires the gossip. Nothing is
     * received until {@link #announce()}.
     *
     * @param heartbeat this DC's current summary, published every heartbeat interval
     * @param sink where manifests of images homed elsewhere go
     */
    public static Future<Federation> join(Vertx vertx, FederationSettings settings, MeterRegistry registry,
            Supplier<DcRecord> heartbeat, ManifestGossip.Sink sink) {
        return vertx.executeBlocking(() -> {
            SigningIdentity identity;
            TrustPolicy trust;
            if (settings.trust() != null) {
                CaTrust ca = CaTrust.load(settings.trust());
                identity = SigningIdentity.fromCertifiedPem(settings.dc(), settings.signingKey(), ca);
                trust = ca;
            } else {
                identity = SigningIdentity.loadOrGenerate(settings.dc(), settings.stateDir());
                trust = new ListedDcs(PinnedKeys.load(settings.stateDir(), identity), settings.listedDcs());
                LOG.info("trust on first use for DCs {}; key announcements for other names are refused",
                        settings.listedDcs());
            }
            FederationMetrics metrics = new FederationMetrics(registry);
            VersionClock versions = VersionClock.persistent(settings.stateDir(), System::currentTimeMillis);
            FederationNode node;
            try {
                node = FederationNode.start(settings);
            } catch (RuntimeException e) {
                versions.close();
                throw e;
            }
            try {
                RecordBoard board = new RecordBoard(node.board(), node.fanout(settings.dc()), identity, trust, versions,
                        metrics);
                DcDirectory directory = new DcDirectory(settings.dc(), settings.suspectAfter(), settings.goneAfter(),
                        System::nanoTime, heartbeat);
                board.on(RecordKind.DC, (r, payload) -> {
                    DcRecord d = DcRecord.fromPayload(payload);
                    if (!d.dc().equals(r.dc())) {
                        throw new MalformedRecordException("DC " + r.dc() + " sent a heartbeat for " + d.dc());
                    }
                    directory.heard(d, r.publishedAtMillis());
                });
                ManifestGossip manifests = new ManifestGossip(board, settings.dc(), sink);
                AvailabilityGossip availability = new AvailabilityGossip(board, settings.dc());
                Federation f = new Federation(settings, node, board, versions, directory, manifests, availability, metrics);
                metrics.gauge("imgfed.federation.members", "DCs of the federation alive now, this one included",
                        directory::aliveCount);
                metrics.gauge("imgfed.manifest.conflicts", "Images published by more than one DC", manifests::conflictCount);
                metrics.gauge("imgfed.board.backlog", "Federation records received and not yet processed", board::backlog);
                metrics.dcStatus(settings.dc(), () -> 0);
                directory.addListener((dc, from, to) -> metrics.dcStatus(dc, () -> directory.status(dc).ordinal()));
                node.onTopologyChange(change -> {
                    metrics.topologyChange(change.label());
                    if (change != FederationNode.TopologyChange.MEMBER_LEFT) {
                        board.republish();
                    }
                    board.resync();
                });
                return f;
            } catch (RuntimeException e) {
                node.close();
                versions.close();
                throw e;
            }
        });
    }

    /** Starts receiving and heartbeating; call after publishing this DC's own state. */
    public void announce() {
        if (announced) {
            return;
        }
        announced = true;
        publishHeartbeat();
        board.start();
        long beat = settings.heartbeat().toMillis();
        timer.scheduleAtFixedRate(this::publishHeartbeat, beat, beat, TimeUnit.MILLISECONDS);
        long tick = Math.max(100, Math.min(beat, settings.suspectAfter().toMillis() / 4));
        timer.scheduleAtFixedRate(directory::evaluateAll, tick, tick, TimeUnit.MILLISECONDS);
        LOG.info("DC {} announced to the federation", settings.dc());
    }

    private void publishHeartbeat() {
        try {
            board.publish(RecordKind.DC, "", directory.refreshSelf().toPayload());
        } catch (RuntimeException e) {
            LOG.warn("heartbeat not published: {}", e.toString());
        }
    }

    public FederationSettings settings() {
        return settings;
    }

    public DcDirectory directory() {
        return directory;
    }

    public ManifestGossip manifests() {
        return manifests;
    }

    /** The OCI front's tags on the board. */
    public OciGossip oci() {
        return oci;
    }

    public AvailabilityGossip availability() {
        return availability;
    }

    public FederationMetrics metrics() {
        return metrics;
    }

    public RecordBoard board() {
        return board;
    }

    /** Whether this DC is a running member of the federation cluster; for readiness. */
    public boolean joined() {
        return announced && node.running();
    }

    public int clusterMembers() {
        return node.memberCount();
    }

    /** The addresses the federation cluster knows its members by (advertised ones where set), sorted. */
    public List<String> clusterMemberAddresses() {
        return node.memberAddresses();
    }

    @Override
    public void close() {
        timer.shutdownNow();
        board.close();
        node.close();
        versions.close();
    }
}
