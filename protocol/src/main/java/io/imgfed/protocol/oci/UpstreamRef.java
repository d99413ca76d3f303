package io.imgfed.protocol.oci;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which registry a pull through the mirror is for, and the repository's name there. Clients name the upstream
 * in one of two ways:
 * <ul>
 * <li>containerd ({@code hosts.toml} mirror) sends the plain name with {@code ?ns=<registry>}:
 *     {@code /v2/library/alpine/manifests/3?ns=docker.io};</li>
 * <li>CRI-O, podman and skopeo ({@code registries.conf} mirror with a path, {@code location =
 *     "imgfed:5000/docker.io"}) put it first in the path: {@code /v2/docker.io/library/alpine/manifests/3}.</li>
 * </ul>
 * A name in neither form goes to the default upstream if one is configured, else is local (this DC's own
 * registry). The docker convention calls a first component with a {@code .} or {@code :}, or
 * {@code localhost}, a registry host; such a component that is not a configured upstream keeps the name
 * local and never falls to the default upstream, so {@code /v2/quay.io/x/y} with default {@code docker.io}
 * is not fetched as {@code docker.io/quay.io/x/y}.
 *
 * <p>Only configured upstreams are ever named here, so a client cannot make the mirror fetch from a host of
 * its choosing. An {@code ns} that is not configured is NAME_UNKNOWN (404), the answer on which containerd
 * tries its next host.
 *
 * <p><b>Upstreams with a port.</b> A repository name cannot hold {@code :}, so {@code registry.local:5000}
 * cannot be the first path component. The configuration therefore names each upstream: the map given to
 * {@link #resolve(RepositoryName, String, Map, String)} takes every name a client may use to the canonical
 * upstream id. For a registry at {@code registry.local:5000}, map {@code registry.local:5000} (the {@code ns}
 * containerd sends) and an alias such as {@code registry.local} (for the path form, {@code location =
 * "imgfed:5000/registry.local"}) to the one id; the id's endpoint URL and credentials live in the
 * configuration. Docker Hub's host names {@code index.docker.io} and {@code registry-1.docker.io} are read as
 * {@code docker.io}, and on Docker Hub a single-component name gets the {@code library/} prefix, as every
 * client applies it.
 *
 * @param upstream the canonical upstream id, or null for a local repository
 * @param name the repository's name at the upstream (or here, when local)
 * @param viaDefault whether the upstream is the default one (the name named none). The route serves a local
 *     repository of that name first, so a DC's own pushes are not shadowed by the default upstream.
 */
public record UpstreamRef(String upstream, RepositoryName name, boolean viaDefault) {

    public static final String DOCKER_HUB = "docker.io";

    /** In the order they are tried when a client uses one that is not configured. */
    private static final List<String> DOCKER_HUB_HOSTS = List.of(DOCKER_HUB, "index.docker.io", "registry-1.docker.io");

    /** A local repository: no upstream. */
    public static UpstreamRef local(RepositoryName name) {
        return new UpstreamRef(null, name, false);
    }

    /**
     * As {@link #resolve(RepositoryName, String, Map, String)}, each configured host being its own name.
     *
     * @param knownUpstreamHosts the configured upstreams, as clients name them
     */
    public static UpstreamRef resolve(RepositoryName name, String nsParam, Set<String> knownUpstreamHosts,
            String defaultUpstream) {
        Map<String, String> identity = new LinkedHashMap<>();
        knownUpstreamHosts.forEach(h -> identity.put(h, h));
        return resolve(name, nsParam, identity, defaultUpstream);
    }

    /**
     * Resolves a request's repository name and {@code ns} parameter.
     *
     * @param name the {@code <name>} of the request path
     * @param nsParam the {@code ns} query parameter, or null
     * @param upstreamNames every name a client may give an upstream (an {@code ns} value, which may hold a port,
     *     or a first path component) mapped to the upstream's canonical id; names compare case-insensitively
     * @param defaultUpstream the canonical id of the upstream for names that name none, or null for "local"
     * @throws OciException NAME_UNKNOWN for an {@code ns} that is not a configured upstream; NAME_INVALID if
     *     adding Docker Hub's {@code library/} makes the name too long
     */
    public static UpstreamRef resolve(RepositoryName name, String nsParam, Map<String, String> upstreamNames,
            String defaultUpstream) {
        if (nsParam != null && !nsParam.isBlank()) {
            String ns = nsParam.strip();
            String upstream = lookup(upstreamNames, ns);
            if (upstream == null) {
                throw new OciException(OciErrorCode.NAME_UNKNOWN,
                        "ns=" + Quoted.of(nsParam) + " is not an upstream registry this mirror is configured for");
            }
            return upstreamRef(upstream, ns, name, false);
        }
        if (name.hasSeveralComponents()) {
            String first = name.firstComponent();
            String upstream = lookup(upstreamNames, first);
            if (upstream != null) {
                return upstreamRef(upstream, first, name.withoutFirstComponent(), false);
            }
            if (looksLikeHost(first)) {
                return local(name);
            }
        }
        return defaultUpstream == null ? local(name) : upstreamRef(defaultUpstream, null, name, true);
    }

    /** The docker convention: a first component with a {@code .} or {@code :}, or {@code localhost}, is a host. */
    public static boolean looksLikeHost(String component) {
        return component.indexOf('.') >= 0 || component.indexOf(':') >= 0 || component.equals("localhost");
    }

    public boolean isLocal() {
        return upstream == null;
    }

    /**
     * One string per repository, whatever form the request used: {@code name} for a local repository,
     * {@code upstream/name} for a mirrored one ({@code docker.io/library/alpine} from the path form, the
     * {@code ns} form and the default alike). Not always a valid repository name (an id may hold a port).
     */
    public String key() {
        return upstream == null ? name.value() : upstream + "/" + name.value();
    }

    private static UpstreamRef upstreamRef(String upstream, String clientName, RepositoryName name,
            boolean viaDefault) {
        boolean hub = isDockerHub(upstream) || (clientName != null && isDockerHub(clientName));
        RepositoryName remote = hub && !name.hasSeveralComponents() ? name.prefixed("library") : name;
        return new UpstreamRef(upstream, remote, viaDefault);
    }

    private static boolean isDockerHub(String host) {
        return DOCKER_HUB_HOSTS.contains(host.toLowerCase(Locale.ROOT));
    }

    /** The id configured for {@code clientName}; for a Docker Hub host, the one configured under any of its names. */
    private static String lookup(Map<String, String> upstreamNames, String clientName) {
        String wanted = clientName.toLowerCase(Locale.ROOT);
        String id = lookupExact(upstreamNames, wanted);
        if (id == null && DOCKER_HUB_HOSTS.contains(wanted)) {
            for (String hub : DOCKER_HUB_HOSTS) {
                id = id != null ? id : lookupExact(upstreamNames, hub);
            }
        }
        return id;
    }

    private static String lookupExact(Map<String, String> upstreamNames, String lowerCaseName) {
        for (Map.Entry<String, String> e : upstreamNames.entrySet()) {
            if (e.getKey().toLowerCase(Locale.ROOT).equals(lowerCaseName)) {
                return e.getValue();
            }
        }
        return null;
    }
}
