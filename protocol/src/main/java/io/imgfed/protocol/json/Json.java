package io.imgfed.protocol.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imgfed.protocol.error.ErrorCode;
import io.imgfed.protocol.error.ImgapiError;
import java.io.CharConversionException;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The one JSON configuration the whole system speaks: strict on input, compact on output. */
public final class Json {

    /** Strict: duplicate keys are an error, so a body can never say two things about one field. */
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    static {
        // Bodies are capped by the HTTP layer; nesting is capped here so a hostile body cannot exhaust the stack.
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build());
    }

    private Json() {
    }

    public static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    public static ArrayNode array() {
        return JsonNodeFactory.instance.arrayNode();
    }

    /** Parses a request body; anything that is not one well-formed JSON document is IMGAPI's InvalidContent. */
    public static JsonNode parseBody(byte[] body) {
        if (body == null || body.length == 0) {
            throw new ImgapiError(ErrorCode.INVALID_CONTENT, "request body is empty; a JSON document is required").toException();
        }
        try {
            JsonNode node = MAPPER.readTree(body);
            if (node == null || node.isMissingNode()) {
                throw new ImgapiError(ErrorCode.INVALID_CONTENT, "request body is empty; a JSON document is required").toException();
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new ImgapiError(ErrorCode.INVALID_CONTENT, "invalid JSON body: " + e.getOriginalMessage()).toException();
        } catch (CharConversionException e) {
            // Undecodable bytes (e.g. a body sniffed as UTF-32 with an impossible code point) are the client's fault.
            throw new ImgapiError(ErrorCode.INVALID_CONTENT, "invalid JSON body: " + e.getMessage()).toException();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] bytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("value cannot be written as JSON", e);
        }
    }

    public static JsonNode tree(byte[] json) {
        try {
            return MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
    }

    public static JsonNode tree(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
    }
}
