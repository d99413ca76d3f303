package io.imgfed.federation.board;

import com.hazelcast.topic.ITopic;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link RecordFanout} over a Hazelcast topic: a publication is an event the publishing member sends to each
 * member's listener directly, in order per publisher. Sending runs on a thread of its own, so neither the
 * publishing caller (an event loop) nor the map's puts wait for it.
 */
final class HazelcastFanout implements RecordFanout {
    private static final Logger LOG = LoggerFactory.getLogger(HazelcastFanout.class);

    private final ITopic<byte[]> topic;
    private final ExecutorService sender;
    private volatile UUID listener;

    HazelcastFanout(ITopic<byte[]> topic, String dc) {
        this.topic = topic;
        this.sender = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "imgfed-fanout-" + dc);
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void send(byte[] record) {
        try {
            sender.execute(() -> {
                try {
                    topic.publish(record);
                } catch (RuntimeException e) {
                    LOG.debug("fan-out of a record failed (the board's put carries it): {}", e.toString());
                }
            });
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    @Override
    public void listen(Consumer<byte[]> receiver) {
        listener = topic.addMessageListener(m -> {
            if (m.getPublishingMember() == null || !m.getPublishingMember().localMember()) {
                receiver.accept(m.getMessageObject());
            }
        });
    }

    @Override
    public void close() {
        sender.shutdownNow();
        UUID l = listener;
        if (l != null) {
            try {
                topic.removeMessageListener(l);
            } catch (RuntimeException ignored) {
                // the cluster may already be gone
            }
        }
    }
}
