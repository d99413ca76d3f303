package io.imgfed.replicator.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.json.Json;
import io.imgfed.protocol.manifest.Manifest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Changes of images' own state (gossip from other DCs) share transactions: many at once are all durable when
 * their futures complete, in call order with other changes, and one that fails fails alone.
 */
class CatalogBatchTest {
    static final String OWNER = "930896af-bf8c-48d4-885c-6573a94b1853";

    @TempDir
    Path dir;
    final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    static Manifest image(String uuid, String name) {
        ObjectNode f = Json.object();
        f.put("v", 2).put("uuid", uuid).put("owner", OWNER).put("name", name).put("version", "1.0.0")
                .put("type", "zone-dataset").put("os", "smartos").put("public", false).put("disabled", false);
        return Manifest.of(f, null, false, "other-dc");
    }

    static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    Catalog open() throws Exception {
        return await(Catalog.open(vertx, dir, "here"));
    }

    @Test
    void manyOwnStateChangesAreDurableInOrderAndFailAlone() throws Exception {
        Catalog catalog = open();
        List<String> heard = new CopyOnWriteArrayList<>();
        catalog.addListener((before, after) -> heard.add(after == null ? "-" + before.uuid() : after.name()));
        List<Future<Manifest>> futures = new ArrayList<>();
        List<String> uuids = new ArrayList<>();
        for (int i = 0; i < 3 * Catalog.BATCH; i++) {
            String uuid = UUID.randomUUID().toString();
            uuids.add(uuid);
            Manifest m = image(uuid, "n" + i);
            futures.add(catalog.mutateOwnState(uuid, current -> m));
        }
        // Within one batch a later change sees an earlier one of the same image.
        String twice = uuids.get(1);
        futures.add(catalog.mutateOwnState(twice, current -> image(twice, current.name() + "-again")));
        Future<Manifest> refused = catalog.mutateOwnState(uuids.get(2), current -> {
            throw new IllegalArgumentException("refused");
        });
        // A change that reads the catalog runs alone and sees everything called before it.
        Future<Manifest> counted = catalog.mutate(uuids.get(3), current -> image(current.uuid(), "count-" + catalog.size()));
        String gone = uuids.get(4);
        futures.add(catalog.mutateOwnState(gone, current -> null));
        for (Future<Manifest> f : futures) {
            await(f);
        }
        assertInstanceOf(IllegalArgumentException.class, refused.toCompletionStage().toCompletableFuture()
                .handle((v, e) -> e.getCause() != null ? e.getCause() : e).get(60, TimeUnit.SECONDS));
        assertEquals("count-" + 3 * Catalog.BATCH, await(counted).name());
        assertEquals("n1-again", catalog.get(twice).orElseThrow().name());
        assertEquals("n2", catalog.get(uuids.get(2)).orElseThrow().name(), "the refused change changed nothing");
        assertEquals(3 * Catalog.BATCH - 1, catalog.size());
        assertEquals("n0", heard.get(0));
        assertEquals("n1-again", heard.get(3 * Catalog.BATCH));
        assertEquals("-" + gone, heard.get(heard.size() - 1));
        catalog.close();

        Catalog reopened = open();
        assertEquals(3 * Catalog.BATCH - 1, reopened.size(), "every change was on disk when its future completed");
        assertEquals("n1-again", reopened.get(twice).orElseThrow().name());
        assertEquals("count-" + 3 * Catalog.BATCH, reopened.get(uuids.get(3)).orElseThrow().name());
        assertNull(reopened.get(gone).orElse(null));
        assertTrue(reopened.get(uuids.get(0)).isPresent());
        reopened.close();
    }
}
