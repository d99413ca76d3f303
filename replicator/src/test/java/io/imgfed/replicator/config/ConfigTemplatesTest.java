package io.imgfed.replicator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.imgfed.replicator.ops.OpsFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The configuration templates in {@code conf/} load with the daemon's own loader (the TLS, key and
 * certificate files they name need not exist to load), and the production template sets every key the
 * loader knows, except the few it documents in a comment because they do nothing in that setup.
 */
class ConfigTemplatesTest {
    /** Keys the production template shows only as comments, each with the reason next to it there. */
    private static final Set<String> COMMENTED_OUT = Set.of(
            "http.tls.ca",      // the client API requests no client certificates
            "http.advertise",   // only the peer listener's address is announced
            "federation.advertise", // federation.host is reachable from the other DCs as it is
            "auth.tokens",      // only for auth.mode token; the template uses signature
            "oci.upstreams",    // a DC mirrors no registry unless its operator names one
            "oci.defaultUpstream",
            "oci.owners");      // billing owners are the operator's accounts

    private static final Path ROOT = OpsFiles.repoRoot();
    private static final Path PRODUCTION = ROOT.resolve("conf/imgfed.production.yaml");
    private static final Path DEV = ROOT.resolve("conf/imgfed.dev.yaml");

    @Test
    void productionTemplateLoads() {
        ImgfedConfig c = ConfigLoader.load(PRODUCTION, Map.of());
        assertEquals("us-east-1", c.dc());
        assertEquals(500L << 30, c.data().capacity());
        assertEquals("0.0.0.0", c.http().host());
        assertNotNull(c.http().tls(), "client API over HTTPS");
        assertNotNull(c.peer().tls().ca(), "peer API with mutual TLS");
        assertEquals(3, c.federation().members().size());
        assertNotNull(c.federation().trust());
        assertNotNull(c.federation().signingKey());
        assertTrue(c.federation().goneAfter().compareTo(c.federation().suspectAfter()) > 0);
        assertNotNull(c.billing().kafka(), "billing events go to Kafka");
        assertEquals(ImgfedConfig.AuthMode.SIGNATURE, c.auth().mode());
        assertFalse(c.auth().allowInsecure());
    }

    @Test
    void productionTemplateTakesEnvironmentOverrides() {
        ImgfedConfig c = ConfigLoader.load(PRODUCTION, Map.of("IMGFED_DC", "eu-central-1", "IMGFED_HTTP_PORT", "9080",
                "IMGFED_JAVA_OPTS", "-Xmx2g"));
        assertEquals("eu-central-1", c.dc());
        assertEquals(9080, c.http().port());
    }

    @Test
    void productionTemplateCoversEveryKey() throws Exception {
        JsonNode tree = new YAMLMapper().readTree(PRODUCTION.toFile());
        String text = Files.readString(PRODUCTION);
        Set<String> missing = new TreeSet<>();
        for (String key : ConfigLoader.KEYS) {
            JsonNode n = tree;
            for (String part : key.split("\\.")) {
                n = n.path(part);
            }
            if (n.isMissingNode()) {
                String leaf = key.substring(key.lastIndexOf('.') + 1);
                boolean documented = COMMENTED_OUT.contains(key) && text.contains("# " + leaf + ":");
                if (!documented) {
                    missing.add(key);
                }
            }
        }
        assertTrue(missing.isEmpty(), "conf/imgfed.production.yaml neither sets nor documents: " + missing);
    }

    @Test
    void devTemplateLoadsAsALocalUnauthenticatedDc() {
        ImgfedConfig c = ConfigLoader.load(DEV, Map.of());
        assertEquals("dev", c.dc());
        assertEquals("127.0.0.1", c.http().host());
        assertNull(c.http().tls());
        assertNull(c.peer().tls());
        assertEquals(List.of("127.0.0.1:5701"), c.federation().members());
        assertNull(c.billing().kafka(), "events wait in the outbox until Kafka is configured");
        assertEquals(ImgfedConfig.AuthMode.NONE, c.auth().mode());
        assertEquals(Duration.ofSeconds(10), c.federation().goneAfter());
    }
}
