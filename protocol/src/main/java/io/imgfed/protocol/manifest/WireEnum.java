package io.imgfed.protocol.manifest;

/** An enum whose constants are spelled on the wire by a lowercase name. */
public interface WireEnum {
    String wireName();

    static <E extends Enum<E> & WireEnum> E parse(Class<E> type, String value) {
        for (E e : type.getEnumConstants()) {
            if (e.wireName().equals(value)) {
                return e;
            }
        }
        return null;
    }

    static <E extends Enum<E> & WireEnum> String names(Class<E> type) {
        StringBuilder sb = new StringBuilder();
        for (E e : type.getEnumConstants()) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(e.wireName());
        }
        return sb.toString();
    }
}
