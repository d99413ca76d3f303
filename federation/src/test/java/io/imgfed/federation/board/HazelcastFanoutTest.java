package io.imgfed.federation.board;

import static io.imgfed.federation.board.BoardFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fast path over real Hazelcast members: a record one member sends reaches the others, not itself. */
class HazelcastFanoutTest {
    @TempDir
    Path tmp;

    @Test
    void aRecordSentByOneMemberReachesTheOtherOnceAndNotItself() {
        int pa = BoardFixture.freePort();
        int pb = BoardFixture.freePort();
        List<String> members = List.of("127.0.0.1:" + pa, "127.0.0.1:" + pb);
        var sa = BoardFixture.settings("a", pa, members, tmp.resolve("a"));
        var sb = new io.imgfed.federation.FederationSettings("b", sa.cluster(), "127.0.0.1", pb, null, members, sa.costs(), sa.dcs(),
                sa.heartbeat(), sa.suspectAfter(), sa.goneAfter(), tmp.resolve("b"), null, null);
        try (FederationNode a = FederationNode.start(sa); FederationNode b = FederationNode.start(sb);
                RecordFanout fa = a.fanout("a"); RecordFanout fb = b.fanout("b")) {
            await("two members", Duration.ofSeconds(30), () -> a.memberCount() == 2 && b.memberCount() == 2);
            List<String> atA = new CopyOnWriteArrayList<>();
            List<String> atB = new CopyOnWriteArrayList<>();
            fa.listen(r -> atA.add(new String(r, StandardCharsets.UTF_8)));
            fb.listen(r -> atB.add(new String(r, StandardCharsets.UTF_8)));
            // The listener's registration reaches the other member asynchronously: send until one arrives.
            await("b's listener registered at a", Duration.ofSeconds(10), () -> {
                fa.send("probe".getBytes(StandardCharsets.UTF_8));
                return !atB.isEmpty();
            });
            atB.clear();
            fa.send("record".getBytes(StandardCharsets.UTF_8));
            await("b to receive the record", Duration.ofSeconds(10), () -> atB.contains("record"));
            fb.send("answer".getBytes(StandardCharsets.UTF_8));
            await("a to receive b's record", Duration.ofSeconds(10), () -> atA.contains("answer"));
            assertEquals(List.of("record"), atB.stream().filter(s -> !s.equals("probe")).toList(), "once each");
            assertEquals(List.of("answer"), atA, "a never hears its own records");
        }
    }
}
