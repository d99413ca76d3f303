package io.imgfed.replicator.oci.mirror;

import io.imgfed.protocol.oci.RepositoryName;
import io.imgfed.protocol.oci.UpstreamRef;
import io.imgfed.replicator.config.ImgfedConfig;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The upstream registries this DC mirrors (oci.upstreams): which one a request names ({@code ?ns=}, the path
 * form, or the default), a client for each, and how each has fared.
 */
public final class Upstreams implements AutoCloseable {
    private final Map<String, UpstreamClient> clients = new LinkedHashMap<>();
    /** Every name a client may give an upstream → its id. */
    private final Map<String, String> names = new LinkedHashMap<>();
    private final String defaultUpstream;
    private final Duration revalidate;
    private final UpstreamHealth health;

    public Upstreams(Vertx vertx, ImgfedConfig.Oci config) {
        for (ImgfedConfig.Upstream u : config.upstreams().values()) {
            clients.put(u.id(), new UpstreamClient(vertx, u));
            names.put(u.id(), u.id());
            u.names().forEach(n -> names.put(n, u.id()));
        }
        this.defaultUpstream = config.defaultUpstream();
        this.revalidate = config.revalidate();
        this.health = new UpstreamHealth(config.upstreamFailures());
    }

    public boolean any() {
        return !clients.isEmpty();
    }

    /** Which registry a request's repository is in (UpstreamRef.local for this DC's own). */
    public UpstreamRef resolve(RepositoryName name, String ns) {
        return UpstreamRef.resolve(name, ns, names, defaultUpstream);
    }

    public UpstreamClient client(String id) {
        return clients.get(id);
    }

    /** How long a tag fetched from an upstream is served before it is checked again. */
    public Duration revalidate() {
        return revalidate;
    }

    public UpstreamHealth health() {
        return health;
    }

    @Override
    public void close() {
        clients.values().forEach(UpstreamClient::close);
    }
}
