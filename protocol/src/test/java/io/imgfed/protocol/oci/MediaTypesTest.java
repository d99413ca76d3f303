package io.imgfed.protocol.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Media types: which manifests are served, which refused, and what an Accept header allows. */
class MediaTypesTest {

    @Test
    void theFourManifestTypes() {
        assertEquals(List.of("application/vnd.oci.image.manifest.v1+json",
                "application/vnd.docker.distribution.manifest.v2+json", "application/vnd.oci.image.index.v1+json",
                "application/vnd.docker.distribution.manifest.list.v2+json"), MediaTypes.MANIFESTS);
        assertFalse(MediaTypes.isIndex(MediaTypes.OCI_MANIFEST));
        assertFalse(MediaTypes.isIndex(MediaTypes.DOCKER_MANIFEST));
        assertTrue(MediaTypes.isIndex(MediaTypes.OCI_INDEX));
        assertTrue(MediaTypes.isIndex(MediaTypes.DOCKER_MANIFEST_LIST));
        assertFalse(MediaTypes.isIndex(null));
    }

    @Test
    void essenceDropsParametersAndCase() {
        assertEquals(MediaTypes.OCI_MANIFEST, MediaTypes.essence(" Application/VND.oci.image.manifest.v1+json ; charset=utf-8"));
        assertNull(MediaTypes.essence(null));
        assertNull(MediaTypes.essence("  "));
        assertNull(MediaTypes.essence(";q=1"));
        assertEquals(MediaTypes.DOCKER_MANIFEST, MediaTypes.supportedManifest(MediaTypes.DOCKER_MANIFEST.toUpperCase()));
        assertTrue(MediaTypes.isManifest(MediaTypes.OCI_INDEX + "; x=y"));
        assertFalse(MediaTypes.isManifest(MediaTypes.OCI_CONFIG));
        assertFalse(MediaTypes.isManifest(MediaTypes.DOCKER_SCHEMA1_SIGNED));
    }

    @Test
    void schema1IsRecognised() {
        assertTrue(MediaTypes.isSchema1(MediaTypes.DOCKER_SCHEMA1));
        assertTrue(MediaTypes.isSchema1(MediaTypes.DOCKER_SCHEMA1_SIGNED));
        assertTrue(MediaTypes.isSchema1("application/vnd.docker.distribution.manifest.v1+prettyjws; charset=x"));
        assertFalse(MediaTypes.isSchema1(MediaTypes.DOCKER_MANIFEST));
        assertFalse(MediaTypes.isSchema1(null));
    }

    @Test
    void nonDistributableLayers() {
        for (String t : List.of(MediaTypes.DOCKER_FOREIGN_LAYER, MediaTypes.OCI_LAYER_NONDISTRIBUTABLE,
                MediaTypes.OCI_LAYER_NONDISTRIBUTABLE_GZIP, MediaTypes.OCI_LAYER_NONDISTRIBUTABLE_ZSTD)) {
            assertTrue(MediaTypes.isNonDistributable(t), t);
        }
        for (String t : List.of(MediaTypes.DOCKER_LAYER, MediaTypes.OCI_LAYER, MediaTypes.OCI_LAYER_GZIP,
                MediaTypes.OCI_LAYER_ZSTD, MediaTypes.OCI_CONFIG, MediaTypes.OCI_EMPTY, MediaTypes.DOCKER_CONFIG)) {
            assertFalse(MediaTypes.isNonDistributable(t), t);
        }
        assertFalse(MediaTypes.isNonDistributable(null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/vnd.oci.image.layer.v1.tar+gzip", "application/vnd.cncf.helm.chart.content.v1.tar+gzip",
        "text/plain", "a/b", "application/x!#$&-^_.+y", "A1/B2"})
    void wellFormedMediaTypes(String t) {
        assertTrue(MediaTypes.isWellFormed(t), t);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "application", "application/", "/json", "application/json; charset=utf-8",
        "application/json ", "application//json", "application/js on", ".app/json", "app/-json", "app/j\u00e9son"})
    void malformedMediaTypes(String t) {
        assertFalse(MediaTypes.isWellFormed(t), t);
    }

    @Test
    void mediaTypeNamesAreAtMost127Characters() {
        char[] name = new char[127];
        Arrays.fill(name, 'a');
        String n127 = new String(name);
        assertTrue(MediaTypes.isWellFormed(n127 + "/" + n127));
        assertFalse(MediaTypes.isWellFormed(n127 + "a/b"));
        assertFalse(MediaTypes.isWellFormed("a/b" + n127));
        assertFalse(MediaTypes.isWellFormed(null));
    }
}
