package io.imgfed.devkit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.devtools.DevKafkaBroker;
import io.imgfed.protocol.billing.TransferEvent;
import io.imgfed.protocol.json.Json;
import io.imgfed.replicator.Daemon;
import io.imgfed.replicator.cli.Table;
import io.imgfed.replicator.config.ConfigLoader;
import io.imgfed.replicator.config.ImgfedConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code imgfed demo}: three DCs and a Kafka broker on loopback in this process. Publishes a generated image
 * in one DC, provisions it from another (a lazy pull), and shows the availability answer, the transfer and
 * the billing event read back from Kafka. Exits 0 when every step checked out; {@code --keep} leaves it all
 * running for exploring.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Three DCs and Kafka on loopback: publish an image, provision it elsewhere, see it billed.")
public final class DemoCommand implements Callable<Integer> {
    private static final String OWNER = DevImages.OWNER;
    private static final String TOPIC = "imgfed.transfers";
    private static final String[] DCS = {"us-east-1", "us-west-1", "eu-central-1"};
    private static final ObjectMapper PRETTY = new ObjectMapper();

    @Option(names = "--keep", description = "leave the DCs and Kafka running and print where to find them")
    boolean keep;

    @Option(names = "--size", defaultValue = "64", description = "image file size in MiB (default ${DEFAULT-VALUE})")
    int sizeMib;

    @Option(names = "--dir", paramLabel = "DIR", description = "where the DCs keep their data (default: a temp dir)")
    Path dir;

    @Option(names = "--verbose", description = "show the daemons' logs")
    boolean verbose;

    private final PrintStream out = System.out;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        if (!verbose) {
            quietLogs();
        }
        Path root = dir != null ? dir : Files.createTempDirectory("imgfed-demo-");
        List<Daemon> daemons = new ArrayList<>();
        DevKafkaBroker kafka = null;
        try {
            step("Starting a Kafka broker (KRaft) on loopback");
            kafka = DevKafkaBroker.start(root.resolve("kafka"));
            kafka.createTopic(TOPIC, 3);
            ok("Kafka at " + kafka.bootstrap());

            step("Starting three DCs: " + String.join(", ", DCS));
            int[][] ports = new int[DCS.length][];
            List<String> members = new ArrayList<>();
            for (int i = 0; i < DCS.length; i++) {
                ports[i] = new int[] {freePort(), freePort(), freePort()};
                members.add("127.0.0.1:" + ports[i][2]);
            }
            for (int i = 0; i < DCS.length; i++) {
                daemons.add(start(root, DCS[i], ports[i], members, kafka.bootstrap()));
                ok(DCS[i] + " serving " + daemons.get(i).httpUrl());
            }
            String east = url(daemons.get(0));
            String eu = url(daemons.get(2));
            await("every DC sees the other two alive", Duration.ofSeconds(30), () -> {
                for (Daemon d : daemons) {
                    JsonNode dcs = get(url(d) + "/federation/dcs");
                    long alive = 0;
                    for (JsonNode x : dcs) {
                        alive += x.path("status").asText().equals("alive") ? 1 : 0;
                    }
                    if (alive != DCS.length) {
                        return false;
                    }
                }
                return true;
            });
            ok("federation formed in " + ms(t0) + " ms since start");
            table(get(eu + "/federation/dcs"), "name", "status", "peer", "files");

            step("Publishing a generated image in " + DCS[0] + " (" + sizeMib + " MiB)");
            byte[] file = new byte[sizeMib << 20];
            new Random(2026).nextBytes(file);
            String sha1 = hex("SHA-1", file);
            ObjectNode manifest = DevImages.manifest("demo-base");
            manifest.put("description", "generated by imgfed demo");
            String uuid = send("POST", east + "/images", Json.bytes(manifest), 200).path("uuid").asText();
            long up = System.nanoTime();
            send("PUT", east + "/images/" + uuid + "/file?compression=none&sha1=" + sha1, file, 200);
            ok(String.format("uploaded %s in %d ms (sha1 %s)", Table.human(file.length), ms(up), sha1));
            send("POST", east + "/images/" + uuid + "?action=activate", "{}".getBytes(), 200);
            ok("image " + uuid + " active in " + DCS[0]);

            step("Asking " + DCS[2] + " where the image can be provisioned (answered from local state)");
            JsonNode before = await("gossip to reach " + DCS[2], Duration.ofSeconds(15), () -> {
                JsonNode a = get(eu + "/federation/availability?uuid=" + uuid);
                return a.size() == 1 && a.get(0).path("state").asText().equals("active")
                        && a.get(0).path("dcs").path(DCS[0]).path("state").asText().equals("present") ? a : null;
            });
            print(before.get(0));

            step("Provisioning it in " + DCS[2] + ": the first GetImageFile pulls it from another DC while streaming it");
            long pull = System.nanoTime();
            HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(eu + "/images/" + uuid + "/file"))
                    .build(), HttpResponse.BodyHandlers.ofInputStream());
            MessageDigest s1 = MessageDigest.getInstance("SHA-1");
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            long got = 0;
            try (InputStream in = r.body()) {
                byte[] buf = new byte[1 << 16];
                int n;
                while ((n = in.read(buf)) >= 0) {
                    s1.update(buf, 0, n);
                    md5.update(buf, 0, n);
                    got += n;
                }
            }
            long pullMs = Math.max(1, ms(pull));
            check(r.statusCode() == 200, "GetImageFile answered " + r.statusCode());
            check(HexFormat.of().formatHex(s1.digest()).equals(sha1) && got == file.length, "the bytes differ");
            check(Base64.getEncoder().encodeToString(md5.digest()).equals(r.headers().firstValue("Content-MD5").orElse("")),
                    "Content-MD5 does not match");
            ok(String.format("%s received in %d ms (%.0f MiB/s), identical bytes, Content-MD5 checked", Table.human(got),
                    pullMs, got / 1048576.0 / (pullMs / 1000.0)));
            ok("X-Imgfed-Cache: " + r.headers().firstValue("X-Imgfed-Cache").orElse("?") + ", X-Imgfed-Source: "
                    + r.headers().firstValue("X-Imgfed-Source").orElse("?"));

            step("The transfer, as " + DCS[2] + " reports it (GET /transfers)");
            table(get(eu + "/transfers"), "image", "source", "dest", "moved", "size", "attempts", "state");

            step("Availability after the pull");
            JsonNode after = await(DCS[2] + " announced as holding the file", Duration.ofSeconds(10), () -> {
                JsonNode a = get(east + "/federation/availability?uuid=" + uuid);
                return a.get(0).path("dcs").path(DCS[2]).path("state").asText().equals("present") ? a : null;
            });
            JsonNode dcsNow = after.get(0).path("dcs");
            for (String dc : DCS) {
                ok(String.format("%-13s %s", dc, dcsNow.path(dc).path("state").asText()));
            }

            step("Reading the billing event back from Kafka (topic " + TOPIC + ")");
            String bootstrap = kafka.bootstrap();
            TransferEvent event = await("the event in Kafka", Duration.ofSeconds(30), () -> firstEvent(bootstrap, uuid));
            print(Json.tree(event.toJson()));
            check(event.bytes() == file.length && event.destDc().equals(DCS[2]), "the event does not match the transfer");
            ok("owner " + event.owner() + " billed for " + Table.human(event.bytes()) + " from " + event.sourceDc() + " to "
                    + event.destDc());

            try {
                new OciDemo(http, out).run(DCS[0], east, DCS[1], url(daemons.get(1)));
            } catch (IllegalStateException e) {
                throw new DemoFailure(e.getMessage());
            }

            out.printf("%nDemo finished in %.1f s: publish, gossip, lazy pull, availability and billing all checked, and an "
                    + "OCI image pushed in one DC and pulled in another.%n",
                    (System.nanoTime() - t0) / 1e9);
            if (keep) {
                keepRunning(daemons, kafka, uuid);
            }
            return 0;
        } catch (DemoFailure e) {
            out.println("\nDEMO FAILED: " + e.getMessage());
            return 1;
        } finally {
            for (Daemon d : daemons) {
                d.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
            if (kafka != null) {
                kafka.close();
            }
        }
    }

    private Daemon start(Path root, String dc, int[] ports, List<String> members, String bootstrap) throws Exception {
        String yaml = "dc: " + dc + "\n"
                + "data: {dir: " + root.resolve(dc) + ", capacity: 4GiB}\n"
                + "http: {port: " + ports[0] + "}\n"
                + "peer: {port: " + ports[1] + "}\n"
                + "federation: {port: " + ports[2] + ", members: [" + String.join(", ", members) + "], dcs: ["
                + String.join(", ", DCS) + "]}\n"
                + "billing: {kafka: {bootstrap: \"" + bootstrap + "\"}}\n";
        ImgfedConfig config = ConfigLoader.fromYaml(yaml);
        return Daemon.start(config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    private void keepRunning(List<Daemon> daemons, DevKafkaBroker kafka, String uuid) throws InterruptedException {
        out.println("\nStill running (Ctrl-C to stop):");
        for (Daemon d : daemons) {
            out.printf("  %-13s status page %s/   API %s%n", d.config().dc(), url(d), url(d));
        }
        out.println("  Kafka         " + kafka.bootstrap() + " (topic " + TOPIC + ")");
        String west = url(daemons.get(1));
        out.println("Try:");
        out.println("  curl -s '" + west + "/federation/availability?uuid=" + uuid + "'");
        out.println("  curl -s -o /dev/null -D - " + west + "/images/" + uuid + "/file   # a lazy pull into "
                + daemons.get(1).config().dc());
        out.println("  ./imgfed billing report --bootstrap " + kafka.bootstrap());
        OciDemo.printNodeSetUp(out, daemons.stream().map(d -> new String[] {d.config().dc(), url(d)}).toList());
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
        stop.await();
    }

    private static TransferEvent firstEvent(String bootstrap, String uuid) {
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.GROUP_ID_CONFIG, "imgfed-demo-" + System.nanoTime()),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(TOPIC));
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(300))) {
                    TransferEvent e = TransferEvent.fromJson(r.value());
                    if (uuid.equals(e.imageUuid())) {
                        return e;
                    }
                }
            }
            return null;
        }
    }

    private JsonNode get(String url) {
        try {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            return Json.tree(r.body());
        } catch (IOException e) {
            throw new DemoFailure("GET " + url + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DemoFailure("interrupted");
        }
    }

    private JsonNode send(String method, String url, byte[] body, int expect) {
        try {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(url))
                    .header("Content-Type", method.equals("PUT") ? "application/octet-stream" : "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != expect) {
                throw new DemoFailure(method + " " + url + " answered " + r.statusCode() + ": " + new String(r.body()));
            }
            return Json.tree(r.body());
        } catch (IOException e) {
            throw new DemoFailure(method + " " + url + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DemoFailure("interrupted");
        }
    }

    /** Polls {@code probe} until it gives a value (not null, not false), at most {@code timeout}. */
    static <T> T await(String what, Duration timeout, java.util.function.Supplier<T> probe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            T v = probe.get();
            if (v != null && !Boolean.FALSE.equals(v)) {
                return v;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DemoFailure("interrupted");
            }
        }
        throw new DemoFailure("timed out after " + timeout.toSeconds() + " s waiting for " + what);
    }

    private void await(String what, Duration timeout, java.util.function.BooleanSupplier probe) {
        await(what, timeout, () -> probe.getAsBoolean() ? Boolean.TRUE : null);
    }

    private void table(JsonNode rows, String... fields) {
        Table t = new Table(fields);
        for (JsonNode r : rows) {
            String[] cells = new String[fields.length];
            for (int i = 0; i < fields.length; i++) {
                cells[i] = r.path(fields[i]).asText("-");
            }
            t.row(cells);
        }
        PrintStream indented = new PrintStream(new java.io.FilterOutputStream(out) {
            private boolean lineStart = true;

            @Override
            public void write(int b) throws IOException {
                if (lineStart) {
                    out.write("     ".getBytes());
                }
                out.write(b);
                lineStart = b == '\n';
            }
        }, true);
        t.print(indented);
    }

    private void print(JsonNode node) {
        try {
            for (String line : PRETTY.writerWithDefaultPrettyPrinter().writeValueAsString(node).split("\n")) {
                out.println("     " + line);
            }
        } catch (IOException e) {
            throw new DemoFailure(e.getMessage());
        }
    }

    private void step(String s) {
        out.println("\n==> " + s);
    }

    private void ok(String s) {
        out.println("   ✓ " + s);
    }

    private static void check(boolean condition, String failure) {
        if (!condition) {
            throw new DemoFailure(failure);
        }
    }

    private static long ms(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1_000_000;
    }

    private static String url(Daemon d) {
        return d.httpUrl();
    }

    private static String hex(String alg, byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance(alg).digest(data));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Only errors from the daemons, Hazelcast and Kafka: the demo tells its own story. */
    private static void quietLogs() {
        ch.qos.logback.classic.LoggerContext ctx = (ch.qos.logback.classic.LoggerContext) LoggerFactory.getILoggerFactory();
        for (Logger l : ctx.getLoggerList()) {
            if (l.getLevel() != null) {
                l.setLevel(Level.ERROR);
            }
        }
        ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(Level.ERROR);
    }

    /** A demo step that did not check out. */
    private static final class DemoFailure extends RuntimeException {
        DemoFailure(String message) {
            super(message, null, false, false);
        }
    }
}
