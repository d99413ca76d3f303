package io.imgfed.replicator.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A {@link FuzzedDataProvider} over a seed file, for checking seeds without Jazzer's native agent. It serves the
 * calls a text seed is read with, as Jazzer serves them: single bytes from the end of the data, the rest from
 * the front. Any other call fails, so a seed that needs more is not checked by accident.
 */
final class SeedData {
    private SeedData() {
    }

    static FuzzedDataProvider of(byte[] data) {
        int[] end = {data.length};
        return (FuzzedDataProvider) Proxy.newProxyInstance(SeedData.class.getClassLoader(),
                new Class<?>[] {FuzzedDataProvider.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "consumeByte" -> {
                        if (args != null) {
                            throw new UnsupportedOperationException("consumeByte(min, max)");
                        }
                        yield end[0] == 0 ? (byte) 0 : data[--end[0]];
                    }
                    case "remainingBytes" -> end[0];
                    case "consumeRemainingAsBytes" -> {
                        byte[] rest = Arrays.copyOf(data, end[0]);
                        end[0] = 0;
                        yield rest;
                    }
                    case "consumeRemainingAsString" -> {
                        String rest = new String(data, 0, end[0], StandardCharsets.UTF_8);
                        end[0] = 0;
                        yield rest;
                    }
                    default -> throw new UnsupportedOperationException(method.getName() + " is not used by text seeds");
                });
    }
}
