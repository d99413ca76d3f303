package io.imgfed.replicator.cli;

import io.imgfed.replicator.testkit.ImgapiClient;
import io.imgfed.replicator.testkit.TestDaemon;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliScratchTest {
    @TempDir
    Path dir;

    @Test
    void scratch() throws Exception {
        try (TestDaemon d = TestDaemon.start(dir)) {
            String uuid = d.client().create(ImgapiClient.manifest("s", "1"));
            byte[] f = new byte[1000];
            String sha = ImgapiClient.sha1(f);
            for (boolean expect : new boolean[] {false, true}) {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                for (int i = 0; i < 2; i++) {
                    HttpRequest req = HttpRequest.newBuilder(URI.create(d.url() + "/images/" + uuid + "/file?compression=none&sha1=" + sha))
                            .expectContinue(expect).timeout(Duration.ofSeconds(5)).PUT(HttpRequest.BodyPublishers.ofByteArray(f)).build();
                    try {
                        HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
                        System.out.println("SCRATCH expect=" + expect + " i=" + i + " -> " + r.statusCode() + " " + r.body());
                    } catch (Exception e) {
                        System.out.println("SCRATCH expect=" + expect + " i=" + i + " -> " + e);
                    }
                }
            }
        }
    }
}
