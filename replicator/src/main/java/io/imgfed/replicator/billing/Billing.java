package io.imgfed.replicator.billing;

import io.imgfed.replicator.config.ImgfedConfig;
import io.imgfed.replicator.health.Readiness;
import io.imgfed.transfer.billing.BillingRecorder;
import io.imgfed.transfer.billing.HeldEvents;
import io.imgfed.transfer.billing.KafkaPublisher;
import io.imgfed.transfer.billing.Outbox;
import io.imgfed.transfer.pull.TransferCheckpoint;
import io.imgfed.transfer.pull.PullAdmission;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's billing: the durable outbox every transfer's events go to first, the Kafka publisher when a
 * broker is configured, their metrics, and two alarms (metric, log, {@code /readyz}): the backlog, raised when
 * more than {@code billing.outboxAlarm} bytes wait (never dropped), and the outbox refusing events, while which
 * no new pull starts ({@link #admission()}).
 */
public final class Billing implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Billing.class);
    private static final long ALARM_LOG_INTERVAL_MS = 60_000;

    private final ImgfedConfig.Billing config;
    private final Outbox outbox;
    private final HeldEvents held;
    private final KafkaPublisher publisher;
    private final long timer;
    private final Vertx vertx;
    private volatile long lastAlarmLog;

    private Billing(Vertx vertx, ImgfedConfig.Billing config, Outbox outbox, KafkaPublisher publisher) {
        this.vertx = vertx;
        this.config = config;
        this.outbox = outbox;
        this.held = new HeldEvents(vertx, outbox);
        this.publisher = publisher;
        this.timer = vertx.setPeriodic(10_000, id -> checkAlarm());
    }

    public static Future<Billing> open(Vertx vertx, ImgfedConfig.Billing config, String dc) {
        return vertx.executeBlocking(() -> {
            Outbox outbox = Outbox.open(config.outbox());
            KafkaPublisher publisher = null;
            if (config.kafka() != null) {
                publisher = new KafkaPublisher(outbox, config.kafka().bootstrap(), config.kafka().topic(), "imgfed-" + dc);
                publisher.start();
                LOG.info("billing events go to Kafka {} topic {}", config.kafka().bootstrap(), config.kafka().topic());
            } else if (outbox.pendingCount() > 0) {
                LOG.warn("{} billing event(s) wait in {}: configure billing.kafka to deliver them", outbox.pendingCount(),
                        config.outbox());
            }
            return new Billing(vertx, config, outbox, publisher);
        });
    }

    /**
     * The transfers the previous process was running when it stopped, to be taken up again (or billed as
     * interrupted). A checkpoint that cannot be read is logged: nobody can bill it.
     */
    public List<TransferCheckpoint> leftovers() {
        List<TransferCheckpoint> out = new ArrayList<>();
        for (Outbox.Checkpoint c : outbox.leftovers()) {
            try {
                out.add(TransferCheckpoint.fromJson(c.state()));
            } catch (RuntimeException e) {
                LOG.error("billing: the checkpoint of transfer {} is unreadable and cannot be billed: {}", c.transferId(),
                        e.getMessage());
            }
        }
        return out;
    }

    /** The transfer listener that appends every transfer's events before the transfer counts as done. */
    public BillingRecorder recorder(Context context) {
        return new BillingRecorder(outbox, held, context);
    }

    /** Refuses new pulls while the outbox cannot take events. */
    public PullAdmission admission() {
        return () -> {
            String why = held.refusal();
            return why == null ? null : new PullAdmission.Refusal(why, held.retryAfterSeconds());
        };
    }

    /** Events held in memory because the outbox could not take them (bills the daemon still owes). */
    public HeldEvents held() {
        return held;
    }

    public void registerMetrics(MeterRegistry registry) {
        Gauge.builder("imgfed.billing.outbox.pending", outbox, Outbox::pendingCount)
                .description("Billing events waiting for Kafka's acknowledgement").register(registry);
        Gauge.builder("imgfed.billing.outbox.bytes", outbox, Outbox::pendingBytes)
                .description("Bytes of billing events waiting in the outbox").register(registry);
        Gauge.builder("imgfed.billing.outbox.alarm", this, b -> b.alarmed() ? 1 : 0)
                .description("1 when the outbox backlog exceeds billing.outboxAlarm").register(registry);
        Gauge.builder("imgfed.billing.outbox.failing", held, h -> h.refusal() == null ? 0 : 1)
                .description("1 while the outbox cannot take events (no new pull starts meanwhile)").register(registry);
        Gauge.builder("imgfed.billing.held.events", held, HeldEvents::count)
                .description("Billing events held in memory because the outbox could not take them").register(registry);
        FunctionCounter.builder("imgfed.billing.published", this, b -> b.publisher == null ? 0 : b.publisher.publishedCount())
                .description("Billing events acknowledged by Kafka").register(registry);
        FunctionCounter.builder("imgfed.billing.publish.errors", this, b -> b.publisher == null ? 0 : b.publisher.errorCount())
                .description("Failed attempts to send billing events (they are retried)").register(registry);
    }

    public boolean alarmed() {
        return outbox.pendingBytes() > config.outboxAlarmBytes();
    }

    /** The {@code /readyz} check: fails while the outbox refuses events, or its backlog is over the alarm. */
    public Future<Readiness.Result> readiness() {
        String refusal = held.refusal();
        if (refusal != null) {
            return Future.succeededFuture(Readiness.Result.fail(refusal));
        }
        if (!alarmed()) {
            return Future.succeededFuture(Readiness.Result.pass());
        }
        return Future.succeededFuture(Readiness.Result.fail(describe()));
    }

    private String describe() {
        String why = publisher == null ? "no Kafka is configured (billing.kafka)"
                : publisher.lastError() == null ? "Kafka is slow" : "Kafka: " + publisher.lastError();
        return outbox.pendingCount() + " billing events (" + outbox.pendingBytes() + " bytes) wait in " + config.outbox()
                + ", over billing.outboxAlarm of " + config.outboxAlarmBytes() + " bytes; " + why;
    }

    private void checkAlarm() {
        if (alarmed() && System.currentTimeMillis() - lastAlarmLog > ALARM_LOG_INTERVAL_MS) {
            lastAlarmLog = System.currentTimeMillis();
            LOG.error("billing outbox alarm: {}", describe());
        }
    }

    /** Whether events go to Kafka at all (else they wait in the outbox). */
    public boolean kafkaConfigured() {
        return publisher != null;
    }

    public Outbox outbox() {
        return outbox;
    }

    @Override
    public void close() {
        vertx.cancelTimer(timer);
        if (publisher != null) {
            publisher.close();
        }
        outbox.close();
    }
}
