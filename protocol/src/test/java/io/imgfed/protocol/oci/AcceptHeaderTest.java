package io.imgfed.protocol.oci;

import static io.imgfed.protocol.oci.MediaTypes.DOCKER_MANIFEST;
import static io.imgfed.protocol.oci.MediaTypes.DOCKER_MANIFEST_LIST;
import static io.imgfed.protocol.oci.MediaTypes.OCI_INDEX;
import static io.imgfed.protocol.oci.MediaTypes.OCI_MANIFEST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Accept headers as real clients send them: several lines, lists, q-values, wildcards, and sloppiness. */
class AcceptHeaderTest {

    private static AcceptHeader of(String... lines) {
        return AcceptHeader.parse(Arrays.asList(lines));
    }

    @Test
    void noHeaderAcceptsAnything() {
        assertTrue(AcceptHeader.parse(null).accepts(OCI_MANIFEST));
        assertTrue(AcceptHeader.parse(List.of()).accepts(DOCKER_MANIFEST_LIST));
        assertTrue(AcceptHeader.ANY.isEmpty());
        assertEquals(1.0, AcceptHeader.ANY.quality(OCI_INDEX));
        assertTrue(of((String) null).isEmpty());
    }

    @Test
    void everyLineCountsNotOnlyTheFirst() {
        // Docker sends one header line per type.
        AcceptHeader docker = of(DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_MANIFEST, OCI_INDEX);
        for (String t : MediaTypes.MANIFESTS) {
            assertTrue(docker.accepts(t), t);
        }
        AcceptHeader onlySecondLine = of(DOCKER_MANIFEST, OCI_INDEX);
        assertTrue(onlySecondLine.accepts(OCI_INDEX));
        assertFalse(onlySecondLine.accepts(OCI_MANIFEST));
    }

    @Test
    void commaSeparatedListsWithQValues() {
        // containerd's shape: one line, q-values, and a catch-all at the end.
        AcceptHeader containerd = of(DOCKER_MANIFEST + ", " + DOCKER_MANIFEST_LIST + ", " + OCI_MANIFEST + ", "
                + OCI_INDEX + ", */*");
        assertTrue(containerd.accepts(OCI_INDEX));
        assertTrue(containerd.accepts("application/anything"));

        AcceptHeader weighted = of(OCI_MANIFEST + ";q=0.5, " + OCI_INDEX + "; q=0, */*;q=0.1");
        assertEquals(0.5, weighted.quality(OCI_MANIFEST));
        assertFalse(weighted.accepts(OCI_INDEX), "q=0 refuses, even with */* present");
        assertEquals(0.1, weighted.quality(DOCKER_MANIFEST));
    }

    @Test
    void theMostSpecificRangeDecides() {
        AcceptHeader h = of("application/*;q=0", "application/vnd.oci.image.index.v1+json", "*/*;q=0.2");
        assertTrue(h.accepts(OCI_INDEX));
        assertFalse(h.accepts(OCI_MANIFEST), "application/* refuses it before */* could accept it");
        assertTrue(h.accepts("text/plain"));
        assertEquals(0.2, h.quality("text/plain"));
    }

    @Test
    void repeatedRangesKeepTheirBestQ() {
        assertEquals(0.7, of(OCI_INDEX + ";q=0.3", OCI_INDEX + ";q=0.7").quality(OCI_INDEX));
        assertTrue(of(OCI_INDEX + ";q=0", OCI_INDEX).accepts(OCI_INDEX));
    }

    @Test
    void matchingIgnoresCaseAndParameters() {
        AcceptHeader h = of("Application/VND.OCI.Image.Index.v1+JSON; charset=utf-8");
        assertTrue(h.accepts(OCI_INDEX));
        assertTrue(h.accepts(OCI_INDEX.toUpperCase() + "; x=y"));
        assertFalse(h.accepts(null));
        assertFalse(h.accepts("nonsense"));
    }

    @Test
    void sloppyElementsAreSkippedNotFatal() {
        AcceptHeader h = of("garbage, , ;;, a/b/c, */json, " + OCI_MANIFEST + ";q=2, " + OCI_MANIFEST
                + ";q=abc, " + DOCKER_MANIFEST + ";q=.5");
        assertEquals(1, h.ranges().size(), "only the last element is readable: " + h.ranges());
        assertEquals(0.5, h.quality(DOCKER_MANIFEST));
        assertFalse(h.accepts(OCI_MANIFEST));
        assertTrue(of("garbage").isEmpty(), "nothing readable is the same as no header");
    }

    @Test
    void aBareStarIsEverything() {
        // What Java's HttpURLConnection sends.
        AcceptHeader h = of("text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2");
        assertTrue(h.accepts(OCI_MANIFEST));
        assertEquals(0.2, h.quality(OCI_MANIFEST));
    }

    @Test
    void quotedCommasDoNotSplit() {
        AcceptHeader h = of("application/x;foo=\"a,b\\\"c,d\";q=0.3, " + OCI_INDEX);
        assertEquals(2, h.ranges().size(), h.ranges().toString());
        assertEquals(0.3, h.quality("application/x"));
        assertTrue(h.accepts(OCI_INDEX));
    }

    @Test
    void rangesAreImmutable() {
        AcceptHeader h = of(OCI_INDEX);
        org.junit.jupiter.api.Assertions.assertThrows(UnsupportedOperationException.class,
                () -> h.ranges().add(new AcceptHeader.Range("a", "b", 1)));
    }
}
