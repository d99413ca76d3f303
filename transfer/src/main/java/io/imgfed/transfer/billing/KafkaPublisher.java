package io.imgfed.transfer.billing;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the outbox's events to Kafka with an idempotent producer ({@code acks=all}), keyed by the image
 * owner, and records each acknowledgement in the outbox. Runs on its own thread, because a producer waits
 * while Kafka is unreachable; whatever is not acknowledged is sent again, until it is.
 */
public final class KafkaPublisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaPublisher.class);
    private static final int WINDOW = 1000;
    private static final long IDLE_WAIT_MS = 500;

    private final Outbox outbox;
    private final String topic;
    private final KafkaProducer<String, byte[]> producer;
    private final Thread thread;
    private final Set<Long> inFlight = ConcurrentHashMap.newKeySet();
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final Object wake = new Object();
    private volatile String lastError;
    private volatile boolean closed;
    private volatile long backoffUntil;

    public KafkaPublisher(Outbox outbox, String bootstrap, String topic, String clientId) {
        this.outbox = outbox;
        this.topic = topic;
        this.producer = new KafkaProducer<>(config(bootstrap, clientId), new StringSerializer(), new ByteArraySerializer());
        this.thread = new Thread(this::run, "imgfed-billing-publisher");
        this.thread.setDaemon(true);
        outbox.onAppend(this::wakeUp);
    }

    static Properties config(String bootstrap, String clientId) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        p.put(ProducerConfig.RETRIES_CONFIG, String.valueOf(Integer.MAX_VALUE));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "5000");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "2000");
        p.put(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, "2000");
        return p;
    }

    public void start() {
        thread.start();
    }

    /** Events Kafka acknowledged since start. */
    public long publishedCount() {
        return published.get();
    }

    /** Sends that failed (they are retried). */
    public long errorCount() {
        return errors.get();
    }

    public String lastError() {
        return lastError;
    }

    private void wakeUp() {
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    private void run() {
        while (!closed) {
            try {
                long now = System.currentTimeMillis();
                if (now < backoffUntil) {
                    pause(backoffUntil - now);
                    continue;
                }
                int room = WINDOW - inFlight.size();
                List<Outbox.Entry> batch = room <= 0 ? List.of() : outbox.pending(room, new HashSet<>(inFlight));
                if (batch.isEmpty()) {
                    pause(IDLE_WAIT_MS);
                    continue;
                }
                for (Outbox.Entry e : batch) {
                    send(e);
                    if (closed || System.currentTimeMillis() < backoffUntil) {
                        break;
                    }
                }
            } catch (Exception e) {
                failed(e);
            }
        }
    }

    private void send(Outbox.Entry e) {
        inFlight.add(e.seq());
        try {
            producer.send(new ProducerRecord<>(topic, e.key(), e.payload()), (meta, err) -> {
                // Acknowledged first, then out of flight: in between, the next batch must not pick it up again.
                if (err == null) {
                    outbox.ack(e.seq(), e.payload().length);
                    published.incrementAndGet();
                } else {
                    failed(err);
                }
                inFlight.remove(e.seq());
                wakeUp();
            });
        } catch (RuntimeException ex) {
            inFlight.remove(e.seq());
            failed(ex);
        }
    }

    private void failed(Throwable err) {
        errors.incrementAndGet();
        String msg = err.getClass().getSimpleName() + ": " + err.getMessage();
        if (!msg.equals(lastError)) {
            LOG.warn("billing events cannot reach Kafka ({}); they wait in the outbox and will be sent again", msg);
        }
        lastError = msg;
        backoffUntil = System.currentTimeMillis() + 1000;
    }

    private void pause(long ms) throws InterruptedException {
        synchronized (wake) {
            wake.wait(Math.max(1, ms));
        }
    }

    @Override
    public void close() {
        closed = true;
        wakeUp();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Whatever is still in flight stays in the outbox and is sent after the next start.
        producer.close(Duration.ofSeconds(3));
    }
}
