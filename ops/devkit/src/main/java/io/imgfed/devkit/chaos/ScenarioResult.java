package io.imgfed.devkit.chaos;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.json.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What one scenario did: its checks (each invariant, held or not), its figures, its notes. */
final class ScenarioResult {
    enum Status { PASS, FAIL, SKIP, ERROR }

    record Check(String name, boolean ok, String detail) {
    }

    private final String name;
    private final String title;
    private final List<Check> checks = new ArrayList<>();
    private final Map<String, Object> figures = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();
    private Status status;
    private String reason;
    private double seconds;

    ScenarioResult(String name, String title) {
        this.name = name;
        this.title = title;
    }

    /** Records an invariant; returns whether it held. */
    synchronized boolean check(String check, boolean ok, String detail) {
        checks.add(new Check(check, ok, detail));
        return ok;
    }

    synchronized void figure(String key, Object value) {
        figures.put(key, value);
    }

    synchronized void note(String note) {
        notes.add(note);
    }

    void skip(String why) {
        status = Status.SKIP;
        reason = why;
    }

    void error(String why) {
        status = Status.ERROR;
        reason = why;
    }

    void finish(double seconds) {
        this.seconds = seconds;
        if (status == null) {
            status = checks.isEmpty() ? Status.ERROR : checks.stream().allMatch(Check::ok) ? Status.PASS : Status.FAIL;
            if (checks.isEmpty()) {
                reason = "no invariant was checked";
            }
        } else if (status == Status.ERROR && checks.stream().anyMatch(c -> !c.ok())) {
            status = Status.FAIL;
        }
    }

    String name() {
        return name;
    }

    String title() {
        return title;
    }

    Status status() {
        return status;
    }

    String reason() {
        return reason;
    }

    double seconds() {
        return seconds;
    }

    synchronized List<Check> checks() {
        return List.copyOf(checks);
    }

    synchronized Map<String, Object> figures() {
        return new LinkedHashMap<>(figures);
    }

    synchronized List<String> notes() {
        return List.copyOf(notes);
    }

    synchronized ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("name", name);
        o.put("title", title);
        o.put("status", status.name());
        if (reason != null) {
            o.put("reason", reason);
        }
        o.put("seconds", seconds);
        ArrayNode cs = o.putArray("checks");
        for (Check c : checks) {
            cs.addObject().put("check", c.name()).put("ok", c.ok()).put("detail", c.detail());
        }
        ObjectNode fs = o.putObject("figures");
        figures.forEach((k, v) -> fs.set(k, Json.MAPPER.valueToTree(v)));
        ArrayNode ns = o.putArray("notes");
        notes.forEach(ns::add);
        return o;
    }
}
