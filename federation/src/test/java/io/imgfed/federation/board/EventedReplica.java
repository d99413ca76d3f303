package io.imgfed.federation.board;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.EntryEventType;
import com.hazelcast.core.EntryListener;
import com.hazelcast.replicatedmap.ReplicatedMap;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A replicated map shared by the boards of a test whose writes fire entry events to every listener, except
 * while muted: then they land without one, as Hazelcast's anti-entropy sync fills a replica. A write can be
 * made to take a round trip ({@link #roundTripMillis}), as a put waits for a partition owner across the WAN.
 */
final class EventedReplica {
    final Map<String, byte[]> backing = new ConcurrentHashMap<>();
    final List<EntryListener<String, byte[]>> listeners = new CopyOnWriteArrayList<>();
    volatile boolean muted;
    /** How long each put or putAll call takes, as a put waiting for its partition owner's answer. */
    volatile long roundTripMillis;
    /** put and putAll calls so far. */
    final AtomicInteger writes = new AtomicInteger();

    @SuppressWarnings("unchecked")
    ReplicatedMap<String, byte[]> map() {
        return (ReplicatedMap<String, byte[]>) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ReplicatedMap.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "addEntryListener" -> {
                        if (args.length != 1) {
                            throw new UnsupportedOperationException(method.toString());
                        }
                        listeners.add((EntryListener<String, byte[]>) args[0]);
                        yield UUID.randomUUID();
                    }
                    case "removeEntryListener" -> true;
                    case "put" -> {
                        roundTrip();
                        yield put((String) args[0], (byte[]) args[1]);
                    }
                    case "putAll" -> {
                        roundTrip();
                        ((Map<String, byte[]>) args[0]).forEach(this::put);
                        yield null;
                    }
                    case "get" -> backing.get(args[0]);
                    case "entrySet" -> backing.entrySet();
                    case "keySet" -> backing.keySet();
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString" -> "evented replica";
                    default -> throw new UnsupportedOperationException(method.toString());
                });
    }

    private void roundTrip() throws InterruptedException {
        writes.incrementAndGet();
        long rtt = roundTripMillis;
        if (rtt > 0) {
            Thread.sleep(rtt); // the simulated WAN round trip of a put, not a wait for a condition
        }
    }

    private byte[] put(String key, byte[] value) {
        byte[] old = backing.put(key, value);
        if (!muted) {
            for (EntryListener<String, byte[]> l : listeners) {
                EntryEvent<String, byte[]> e = new EntryEvent<>("evented replica", null,
                        (old == null ? EntryEventType.ADDED : EntryEventType.UPDATED).getType(), key, old, value);
                if (old == null) {
                    l.entryAdded(e);
                } else {
                    l.entryUpdated(e);
                }
            }
        }
        return old;
    }
}
