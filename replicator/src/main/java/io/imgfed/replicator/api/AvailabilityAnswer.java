package io.imgfed.replicator.api;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.imgfed.federation.Federation;
import io.imgfed.federation.liveness.DcStatus;
import io.imgfed.federation.liveness.DcView;
import io.imgfed.federation.topology.SourceChooser;
import io.imgfed.protocol.federation.AvailabilityRecord;
import io.imgfed.protocol.federation.FileState;
import io.imgfed.protocol.json.Json;
import io.imgfed.protocol.manifest.Manifest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The body of {@code /federation/availability}: per image, its state in every DC and what a pull here would
 * cost. Written straight to bytes with a streaming generator: portals poll this for many images, and a tree of
 * Jackson nodes per answer cost more than the lookups behind it.
 */
final class AvailabilityAnswer {
    private final Federation federation;
    private final SourceChooser sources;

    AvailabilityAnswer(Federation federation, SourceChooser sources) {
        this.federation = federation;
        this.sources = sources;
    }

    byte[] write(List<Manifest> images) {
        List<DcView> dcs = federation.directory().dcs();
        Map<String, Set<String>> conflicts = federation.manifests().conflicts();
        String self = federation.settings().dc();
        ByteArrayBuilder out = new ByteArrayBuilder(256 * (1 + images.size()));
        try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
            g.writeStartArray();
            for (Manifest m : images) {
                image(g, m, dcs, self, conflicts.get(m.uuid()));
            }
            g.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // to memory: cannot happen
        }
        byte[] bytes = out.toByteArray();
        out.release();
        return bytes;
    }

    private void image(JsonGenerator g, Manifest m, List<DcView> dcs, String self, Set<String> conflict)
            throws IOException {
        g.writeStartObject();
        g.writeStringField("uuid", m.uuid());
        g.writeStringField("name", m.name());
        g.writeStringField("version", m.version());
        String sha1 = m.fileSha1();
        long size = m.fileSize();
        if (sha1 == null) {
            g.writeNullField("size");
        } else {
            g.writeNumberField("size", size);
        }
        g.writeStringField("home", m.homeDc());
        g.writeStringField("state", m.state().wireName());
        Map<String, AvailabilityRecord> holders = sha1 == null ? Map.of() : federation.availability().holders(sha1);
        g.writeObjectFieldStart("dcs");
        for (DcView dc : dcs) {
            g.writeObjectFieldStart(dc.dc());
            AvailabilityRecord r = holders.get(dc.dc());
            FileState state = r == null ? FileState.ABSENT : r.state();
            g.writeStringField("state", state.wireName());
            if (state == FileState.PULLING) {
                g.writeNumberField("progress", r.progress());
            }
            g.writeStringField("status", dc.status().wireName());
            g.writeEndObject();
        }
        g.writeEndObject();
        g.writeObjectFieldStart("here");
        AvailabilityRecord mine = holders.get(self);
        FileState hereState = mine == null ? FileState.ABSENT : mine.state();
        g.writeStringField("state", hereState.wireName());
        if (hereState == FileState.PULLING) {
            g.writeNumberField("progress", mine.progress());
        }
        if (sha1 != null && hereState != FileState.PRESENT) {
            estimate(g, sha1, size * (hereState == FileState.PULLING ? 1 - mine.progress() : 1));
        }
        g.writeEndObject();
        if (conflict != null) {
            g.writeArrayFieldStart("conflict");
            for (String dc : conflict) {
                g.writeString(dc);
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    /** Where a pull here would come from and how long it would take, or null when no DC holds the file. */
    private void estimate(JsonGenerator g, String sha1, double remainingBytes) throws IOException {
        List<SourceChooser.Candidate> candidates = sources.candidates(sha1, Set.of());
        if (candidates.isEmpty()) {
            g.writeNullField("estimate");
            return;
        }
        SourceChooser.Candidate best = candidates.get(0);
        g.writeObjectFieldStart("estimate");
        g.writeStringField("source", best.dc());
        g.writeNumberField("seconds", Math.round(remainingBytes / best.bytesPerSecond() * 100) / 100.0);
        g.writeNumberField("cost", best.cost());
        g.writeBooleanField("measured", best.measured());
        if (best.status() != DcStatus.ALIVE) {
            g.writeStringField("source_status", best.status().wireName());
        }
        g.writeEndObject();
    }
}
