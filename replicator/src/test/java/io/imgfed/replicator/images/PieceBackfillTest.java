package io.imgfed.replicator.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.imgfed.protocol.manifest.Manifest;
import io.imgfed.protocol.pieces.FilePieces;
import io.imgfed.replicator.testkit.Await;
import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.TestFederation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Images uploaded before piece lists existed get a signed piece root from their home DC at its next start, so
 * other DCs can verify (and serve ranges of) their files piece by piece; until then a pull checks the whole file.
 */
class PieceBackfillTest {
    @TempDir
    Path dir;

    @Test
    void aHomedFileWithoutAPieceRootGetsOneAtStartAndOtherDcsSeeIt() throws Exception {
        try (TestFederation fed = TestFederation.start(dir, "a", "b")) {
            byte[] file = new byte[9 << 20];
            new Random(5).nextBytes(file);
            String uuid = fed.client("a").activeImage("legacy", file);
            FilePieces uploaded = fed.dc("a").daemon().catalog().get(uuid).orElseThrow().file().pieces();
            assertNotNull(uploaded, "an upload computes its piece list");
            // As an image from before piece lists: no root.
            fed.dc("a").daemon().catalog().mutate(uuid, m -> m.withFile(m.file().withPieces(null)))
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            Await.until("b sees the manifest without a root", Duration.ofSeconds(15), () -> fed.dc("b").daemon().catalog()
                    .get(uuid).map(m -> m.file() != null && m.file().pieces() == null).orElse(false));
            // Pulled now, the file is checked whole against its sha256.
            assertEquals(ImgapiClient.sha1(file), fed.client("b").getDigest("/images/" + uuid + "/file").sha1());

            fed.stopDc("a");
            fed.startDc("a");
            Await.until("a computed the root again", Duration.ofSeconds(30), () -> uploaded.equals(
                    fed.dc("a").daemon().catalog().get(uuid).map(Manifest::file).map(f -> f.pieces()).orElse(null)));
            Await.until("b received it", Duration.ofSeconds(30), () -> uploaded.equals(
                    fed.dc("b").daemon().catalog().get(uuid).map(Manifest::file).map(f -> f.pieces()).orElse(null)));
            assertNull(fed.dc("a").daemon().catalog().get(uuid).orElseThrow().toJson().path("files").path(0).get("pieces"),
                    "the root stays internal: IMGAPI clients never see it");
        }
    }
}
