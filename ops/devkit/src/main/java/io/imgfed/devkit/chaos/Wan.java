package io.imgfed.devkit.chaos;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The WAN between the suite's DCs: east, west and eu are 50 ms apart one way (a continent, or two close ones),
 * ap is 150 ms from each of them (across an ocean). A delay applies to each direction of a link, so the
 * round trip is twice the one-way delay: 100 ms and 300 ms.
 *
 * <p>Every link between two DCs, Hazelcast and peer alike, runs through the delay proxy in front of the DC
 * that accepted the connection, which holds each chunk for the one-way delay of the pair: the proxy tells the
 * connecting DC by its address. On loopback every DC has the same address, so a proxy applies its own DC's
 * delay to all: exact between east, west and eu, and 150 ms on a link to ap only where ap accepted it.
 */
final class Wan {
    /**
     * A factor on every delay ({@code -Dchaos.wanScale}, default 1): 0 runs the same topology without latency,
     * which shows what a measurement costs on this machine apart from the WAN.
     */
    static final double SCALE = Double.parseDouble(System.getProperty("chaos.wanScale", "1"));
    static final Duration NEAR = Duration.ofMillis(Math.round(50 * SCALE));
    static final Duration FAR = Duration.ofMillis(Math.round(150 * SCALE));
    /** The DC across the ocean. */
    static final String FAR_DC = "ap";

    private Wan() {
    }

    /** One-way delay between two DCs. */
    static Duration oneWay(String a, String b) {
        return a.equals(FAR_DC) || b.equals(FAR_DC) ? FAR : NEAR;
    }

    /** The delay a proxy in front of {@code dc} applies to a client it cannot tell apart (loopback). */
    static Duration defaultFor(String dc) {
        return dc.equals(FAR_DC) ? FAR : NEAR;
    }

    /** The link class of a pair, for figures: {@code "50ms"} or {@code "150ms"} (as named, whatever the scale). */
    static String linkClass(String a, String b) {
        return (a.equals(FAR_DC) || b.equals(FAR_DC) ? 150 : 50) + "ms";
    }

    /** For the run's summary. */
    static Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        if (SCALE != 1) {
            m.put("scale", SCALE);
        }
        m.put("one_way_ms_between_east_west_eu", NEAR.toMillis());
        m.put("one_way_ms_to_" + FAR_DC, FAR.toMillis());
        m.put("links", "every DC-to-DC connection (Hazelcast and peer) crosses the delay proxy in front of the accepting "
                + "DC, which delays both directions by the pair's one-way delay");
        return m;
    }
}
