package io.imgfed.replicator.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** A daemon's whole configuration, validated (SPEC §2). Built by {@link ConfigLoader}. */
public record ImgfedConfig(
        String dc,
        Data data,
        Listener http,
        Listener peer,
        Federation federation,
        Transfer transfer,
        Billing billing,
        Auth auth,
        Oci oci) {

    /**
     * The OCI front: manifests pushed here that no tag reaches, and blobs no manifest references, are deleted
     * {@code gcGrace} after they were pushed (so a push in progress, blobs first, is never collected), checked
     * every {@code gcInterval}.
     */
    public record Oci(java.time.Duration gcGrace, java.time.Duration gcInterval, Map<String, Upstream> upstreams,
            String defaultUpstream, Duration revalidate, int upstreamFailures, Map<String, String> owners) {
        public Oci {
            upstreams = Map.copyOf(upstreams);
            owners = Map.copyOf(owners);
        }

        /** No upstream, no owners: the front is this DC's registry only. */
        public Oci(Duration gcGrace, Duration gcInterval) {
            this(gcGrace, gcInterval, Map.of(), null, Duration.ofMinutes(5), 5, Map.of());
        }
    }

    /**
     * A registry the OCI front mirrors. {@code id} is how clients name it in the path form
     * ({@code /v2/<id>/<repo>/...}) and the repository prefix its content is kept and federated under;
     * {@code names} are further names a client may use ({@code ?ns=} values, which may hold a port). Credentials,
     * when set, answer the upstream's Basic or Bearer-token challenge.
     */
    public record Upstream(String id, java.net.URI url, List<String> names, String username, String password) {
        public Upstream {
            names = List.copyOf(names);
        }

        @Override
        public String toString() {
            return "Upstream[" + id + " " + url + (username == null ? "" : " as " + username) + "]";
        }
    }

    /** Where blobs and the catalog live, and how many bytes of image files this DC may keep. */
    public record Data(Path dir, long capacity, boolean pinHome) {
    }

    /**
     * One HTTP listener. {@code advertise} is the host:port other DCs use to reach it (peer listener only);
     * {@code headerTimeout} bounds how long a client may take to send a request's headers (slowloris).
     */
    public record Listener(String host, int port, Tls tls, String advertise, Duration idleTimeout, long maxBodyBytes,
            Duration headerTimeout) {
        public String address() {
            return advertise != null ? advertise : host + ":" + port;
        }
    }

    /** TLS material in PEM files; {@code ca} set means client certificates are required and verified. */
    public record Tls(Path cert, Path key, Path ca) {
    }

    /**
     * The federation: Hazelcast, the DC names ({@code dcs}: with the DCs of {@code costs} and this one, the names
     * trust on first use pins keys for), CA trust, liveness. {@code advertise} is the host:port the other DCs reach
     * the Hazelcast member at when that differs from host:port (NAT, a proxy); null otherwise.
     */
    public record Federation(
            String cluster,
            String host,
            int port,
            String advertise,
            List<String> members,
            Map<String, Double> costs,
            List<String> dcs,
            Path trust,
            Path signingKey,
            Duration heartbeat,
            Duration suspectAfter,
            Duration goneAfter) {
    }

    public record Transfer(int maxConcurrent, Retry retry, long rateLimit, Duration stallTimeout) {
    }

    /** Exponential backoff per source: first wait, ceiling, and attempts before a pull is failed. */
    public record Retry(Duration initial, Duration max, int attempts) {
    }

    /** {@code kafka} is null when no broker is configured: events then wait in the outbox. */
    public record Billing(Kafka kafka, Path outbox, long outboxAlarmBytes) {
    }

    public record Kafka(String bootstrap, String topic) {
    }

    public enum AuthMode { NONE, SIGNATURE, TOKEN }

    /**
     * Who may call the client API. {@code dateOnlySignatures} also accepts HTTP signatures over the date alone
     * (sdc-clients' own signer), which can be replayed to another method and path within {@code clockSkew}.
     */
    public record Auth(AuthMode mode, Path keys, Path tokens, List<String> operators, boolean allowInsecure,
            Duration clockSkew, boolean dateOnlySignatures) {
    }
}
