package io.imgfed.protocol.oci;

import static io.imgfed.protocol.oci.OciAssertions.fails;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** How containerd's {@code ?ns=} and CRI-O's path prefix name the upstream, and where other names go. */
class UpstreamRefTest {

    private static final Set<String> KNOWN = Set.of("docker.io", "ghcr.io", "quay.io", "mirror-a");

    private static UpstreamRef resolve(String name, String ns, String defaultUpstream) {
        return UpstreamRef.resolve(RepositoryName.parse(name), ns, KNOWN, defaultUpstream);
    }

    /** name | ns | default upstream | expected upstream ("-" for local) | expected name | via default. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', nullValues = "null", value = {
        // containerd: ?ns= with the plain name.
        "library/alpine           | docker.io            | null      | docker.io | library/alpine           | false",
        "alpine                   | docker.io            | null      | docker.io | library/alpine           | false",
        "alpine                   | DOCKER.IO            | null      | docker.io | library/alpine           | false",
        "alpine                   | registry-1.docker.io | null      | docker.io | library/alpine           | false",
        "alpine                   | index.docker.io      | null      | docker.io | library/alpine           | false",
        "org/app                  | ghcr.io              | null      | ghcr.io   | org/app                  | false",
        "app                      | ghcr.io              | null      | ghcr.io   | app                      | false",
        "docker.io/library/alpine | docker.io            | null      | docker.io | docker.io/library/alpine | false",
        "alpine                   | docker.io            | quay.io   | docker.io | library/alpine           | false",
        // CRI-O, podman, skopeo: the upstream first in the path.
        "docker.io/library/alpine | null                 | null      | docker.io | library/alpine           | false",
        "docker.io/alpine         | null                 | null      | docker.io | library/alpine           | false",
        "docker.io/library/alpine | ``                   | null      | docker.io | library/alpine           | false",
        "ghcr.io/org/app          | null                 | docker.io | ghcr.io   | org/app                  | false",
        "ghcr.io/app              | null                 | docker.io | ghcr.io   | app                      | false",
        "mirror-a/team/app        | null                 | null      | mirror-a  | team/app                 | false",
        // Neither: the default upstream, or local.
        "library/alpine           | null                 | docker.io | docker.io | library/alpine           | true",
        "alpine                   | null                 | docker.io | docker.io | library/alpine           | true",
        "team/app                 | null                 | ghcr.io   | ghcr.io   | team/app                 | true",
        "team/app                 | null                 | null      | -         | team/app                 | false",
        "docker.io                | null                 | null      | -         | docker.io                | false",
        // A host that is not configured stays local and never goes to the default upstream.
        "gcr.io/project/app       | null                 | docker.io | -         | gcr.io/project/app       | false",
        "localhost/app            | null                 | docker.io | -         | localhost/app            | false",
        "my.team/app              | null                 | null      | -         | my.team/app              | false"})
    void resolves(String name, String ns, String defaultUpstream, String upstream, String remote, boolean viaDefault) {
        UpstreamRef r = resolve(name, ns, defaultUpstream);
        assertEquals("-".equals(upstream) ? null : upstream, r.upstream());
        assertEquals(RepositoryName.parse(remote), r.name());
        assertEquals(viaDefault, r.viaDefault());
        assertEquals("-".equals(upstream), r.isLocal());
    }

    @Test
    void anNsThatIsNotConfiguredIsNameUnknownSoContainerdTriesItsNextHost() {
        OciError e = fails(OciErrorCode.NAME_UNKNOWN, () -> resolve("library/alpine", "evil.example:8443", null),
                "ns=\"evil.example:8443\" is not an upstream registry");
        assertEquals(404, e.httpStatus());
        fails(OciErrorCode.NAME_UNKNOWN, () -> resolve("x", "\u0000" + "y".repeat(10_000), "docker.io"), "(cut,");
    }

    @Test
    void oneKeyWhicheverFormTheRequestUsed() {
        String viaNs = resolve("alpine", "docker.io", null).key();
        String viaPath = resolve("docker.io/library/alpine", null, null).key();
        String viaDefault = resolve("library/alpine", null, "docker.io").key();
        assertEquals("docker.io/library/alpine", viaNs);
        assertEquals(viaNs, viaPath);
        assertEquals(viaNs, viaDefault);
        assertEquals("team/app", resolve("team/app", null, null).key());
        assertEquals(UpstreamRef.local(RepositoryName.parse("team/app")), resolve("team/app", null, null));
    }

    @Test
    void anUpstreamWithAPortIsNamedThroughTheMap() {
        Map<String, String> names = new LinkedHashMap<>();
        names.put("registry.local:5000", "registry.local:5000");
        names.put("registry.local", "registry.local:5000");
        UpstreamRef viaNs = UpstreamRef.resolve(RepositoryName.parse("team/app"), "registry.local:5000", names, null);
        UpstreamRef viaPath = UpstreamRef.resolve(RepositoryName.parse("registry.local/team/app"), null, names, null);
        assertEquals(viaNs, viaPath);
        assertEquals("registry.local:5000", viaPath.upstream());
        assertEquals("registry.local:5000/team/app", viaPath.key());
        assertEquals(RepositoryName.parse("team/app"), viaPath.name());
    }

    @Test
    void dockerHubConfiguredUnderAnotherOfItsNamesOrAnAlias() {
        Map<String, String> names = Map.of("registry-1.docker.io", "hub");
        UpstreamRef r = UpstreamRef.resolve(RepositoryName.parse("alpine"), "docker.io", names, null);
        assertEquals("hub", r.upstream());
        assertEquals(RepositoryName.parse("library/alpine"), r.name(), "the client named Docker Hub");
        Map<String, String> alias = Map.of("hub", "hub");
        UpstreamRef notHub = UpstreamRef.resolve(RepositoryName.parse("hub/alpine"), null, alias, null);
        assertEquals(RepositoryName.parse("alpine"), notHub.name(), "an alias that is not a Docker Hub host: no library/");
    }

    @Test
    void theLibraryPrefixCanMakeANameTooLong() {
        fails(OciErrorCode.NAME_INVALID, () -> resolve("a".repeat(250), "docker.io", null), "limit is 255");
    }

    @Test
    void looksLikeHost() {
        assertTrue(UpstreamRef.looksLikeHost("docker.io"));
        assertTrue(UpstreamRef.looksLikeHost("localhost"));
        assertTrue(UpstreamRef.looksLikeHost("host:5000"));
        assertFalse(UpstreamRef.looksLikeHost("library"));
        assertFalse(UpstreamRef.looksLikeHost("local-host"));
        assertNull(UpstreamRef.local(RepositoryName.parse("a")).upstream());
    }
}
