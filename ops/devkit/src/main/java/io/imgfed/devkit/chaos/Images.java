package io.imgfed.devkit.chaos;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.devkit.DevImages;
import io.imgfed.protocol.json.Json;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.SplittableRandom;

/** Test images: generated files, and publishing them in a DC the way an operator does (create, add file, activate). */
final class Images {
    static final String OWNER = DevImages.OWNER;

    private Images() {
    }

    /** An image as the runner knows it: where it lives and what its file must hash to. */
    record Image(String uuid, String name, String home, String sha1, String md5, long size) {
    }

    /** {@code size} pseudo-random bytes, the same for the same seed. */
    static byte[] file(int size, long seed) {
        byte[] b = new byte[size];
        SplittableRandom r = new SplittableRandom(seed);
        int i = 0;
        while (i + 8 <= size) {
            long v = r.nextLong();
            for (int k = 0; k < 8; k++) {
                b[i++] = (byte) (v >>> (8 * k));
            }
        }
        while (i < size) {
            b[i++] = (byte) r.nextInt();
        }
        return b;
    }

    /** Creates, uploads and activates an image in {@code dc} (its home); throws if any step is refused. */
    static Image publish(ChaosRun run, DcProcess dc, String name, byte[] file) {
        String sha1 = HexFormat.of().formatHex(Http.digest("SHA-1").digest(file));
        MessageDigest md5 = Http.digest("MD5");
        ObjectNode m = DevImages.manifest(name);
        m.put("description", "imgfed chaos suite");
        Http.Resp created = run.http().post(dc.url() + "/images", new String(Json.bytes(m)));
        require(created, "CreateImage " + name + " in " + dc.name());
        String uuid = created.json().path("uuid").asText();
        require(run.http().put(dc.url() + "/images/" + uuid + "/file?compression=none&sha1=" + sha1, file),
                "AddImageFile " + name + " in " + dc.name());
        require(run.http().post(dc.url() + "/images/" + uuid + "?action=activate", "{}"), "ActivateImage " + name);
        return new Image(uuid, name, dc.name(), sha1, Base64.getEncoder().encodeToString(md5.digest(file)), file.length);
    }

    static void require(Http.Resp r, String what) {
        if (!r.ok()) {
            throw new IllegalStateException(what + ": " + r.describe());
        }
    }
}
