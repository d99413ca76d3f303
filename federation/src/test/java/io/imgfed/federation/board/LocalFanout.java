package io.imgfed.federation.board;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The fast path between the boards of one test: what one board's fan-out sends reaches every other board's
 * receiver, unless the bus is cut (a partition, or a member not yet joined).
 */
final class LocalFanout {
    private final List<Member> members = new CopyOnWriteArrayList<>();
    volatile boolean cut;

    /** A board's end of the bus. */
    RecordFanout member() {
        Member m = new Member();
        members.add(m);
        return m;
    }

    private final class Member implements RecordFanout {
        private volatile Consumer<byte[]> receiver;

        @Override
        public void send(byte[] record) {
            if (cut) {
                return;
            }
            for (Member m : members) {
                Consumer<byte[]> r = m.receiver;
                if (m != this && r != null) {
                    r.accept(record);
                }
            }
        }

        @Override
        public void listen(Consumer<byte[]> r) {
            receiver = r;
        }

        @Override
        public void close() {
            members.remove(this);
        }
    }
}
