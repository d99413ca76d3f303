package io.imgfed.replicator.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.imgfed.protocol.error.ErrorCode;
import io.imgfed.protocol.error.FieldError;
import io.imgfed.protocol.error.ImgapiError;
import io.imgfed.protocol.json.Json;
import io.imgfed.protocol.manifest.Manifest;
import io.imgfed.protocol.query.ImageQuery;
import io.imgfed.replicator.auth.Caller;
import io.imgfed.replicator.auth.CallerResolver;
import io.imgfed.replicator.images.ImageService;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** IMGAPI's manifest endpoints: list, get, create, the image actions, acl changes and delete. */
public final class ImageRoutes {

    /** Actions of {@code POST /images/:uuid?action=} beyond IMGAPI's own; they write their own answer. */
    @FunctionalInterface
    public interface ExtraAction {
        void run(String uuid, RoutingContext ctx, Caller caller);
    }

    private final ImageService images;
    private final CallerResolver callers;
    private final Map<String, ExtraAction> extraActions;

    public ImageRoutes(ImageService images, CallerResolver callers, Map<String, ExtraAction> extraActions) {
        this.images = images;
        this.callers = callers;
        this.extraActions = Map.copyOf(extraActions);
    }

    public void mount(Router router, long maxBodyBytes) {
        BodyHandler body = BodyHandler.create(false).setBodyLimit(maxBodyBytes).setHandleFileUploads(false);
        router.get("/images").handler(this::list);
        router.get("/images/:uuid").handler(this::get);
        router.head("/images/:uuid").handler(this::get);
        router.post("/images").handler(body).handler(this::create);
        router.post("/images/:uuid").handler(body).handler(this::action);
        router.post("/images/:uuid/acl").handler(body).handler(this::acl);
        router.delete("/images/:uuid").handler(this::delete);
    }

    private void list(RoutingContext ctx) {
        Caller caller = callers.resolve(ctx);
        Map<String, List<String>> params = QueryParams.of(ctx);
        if (caller.account() != null) {
            // A user's list is its account's view even without ?account= (which it may only repeat).
            params.put("account", List.of(caller.account()));
        }
        ImageQuery q = ImageQuery.parse(params);
        JsonResponses.manifests(ctx.response(), images.list(q));
    }

    private void get(RoutingContext ctx) {
        Caller caller = callers.resolve(ctx);
        JsonResponses.manifest(ctx.response(), 200, images.get(ctx.pathParam("uuid"), caller));
    }

    private void create(RoutingContext ctx) {
        Caller caller = callers.resolve(ctx);
        reply(ctx, images.create(jsonBody(ctx), caller), 200);
    }

    private void action(RoutingContext ctx) {
        Caller caller = callers.resolve(ctx);
        String uuid = ctx.pathParam("uuid");
        Map<String, List<String>> params = QueryParams.of(ctx);
        String action = QueryParams.single(params, "action");
        if (action == null) {
            throw ImgapiError.invalidParameter(FieldError.missing("action")).toException();
        }
        Future<Manifest> result = switch (action) {
            case "activate" -> images.activate(uuid, caller);
            case "update" -> images.update(uuid, jsonBody(ctx), caller);
            case "disable" -> images.setDisabled(uuid, true, caller);
            case "enable" -> images.setDisabled(uuid, false, caller);
            case "import" -> images.importImage(uuid, jsonBody(ctx), caller);
            default -> null;
        };
        if (result != null) {
            reply(ctx, result, 200);
            return;
        }
        ExtraAction extra = extraActions.get(action);
        if (extra == null) {
            throw ImgapiError.invalidParameter("action", "unknown action \"" + printable(action)
                    + "\"; one of: activate, update, disable, enable, import" + extraNames()).toException();
        }
        extra.run(uuid, ctx, caller);
    }

    private void acl(RoutingContext ctx) {
        Caller caller = callers.resolve(ctx);
        String action = QueryParams.single(QueryParams.of(ctx), "action");
        if (action == null) {
            throw ImgapiError.invalidParameter(FieldError.missing("action")).toException();
        }
        boolean add = switch (action) {
            case "add" -> true;
            case "remove" -> false;
            default -> throw ImgapiError.invalidParameter("action", "action must be add or remove").toException();
        };
        reply(ctx, images.changeAcl(ctx.pathParam("uuid"), jsonBody(ctx), add, caller), 200);
    }

    private void delete(RoutingContext ctx) {
        Caller caller = callers.resolve(ctx);
        images.delete(ctx.pathParam("uuid"), caller)
                .onSuccess(v -> ctx.response().setStatusCode(204).end())
                .onFailure(ctx::fail);
    }

    private static void reply(RoutingContext ctx, Future<Manifest> result, int status) {
        result.onSuccess(m -> JsonResponses.manifest(ctx.response(), status, m)).onFailure(ctx::fail);
    }

    /**
     * The request body as JSON. sdc-clients signs its bodies with Content-MD5; a body that does not match its
     * digest was damaged on the way and is refused.
     */
    static JsonNode jsonBody(RoutingContext ctx) {
        Buffer body = ctx.body().buffer();
        byte[] bytes = body == null ? new byte[0] : body.getBytes();
        String md5 = ctx.request().getHeader("Content-MD5");
        if (md5 != null && bytes.length > 0) {
            try {
                String actual = Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(bytes));
                if (!actual.equals(md5.trim())) {
                    throw ImgapiError.withField(ErrorCode.INVALID_HEADER, "Content-MD5",
                            "Content-MD5 does not match the request body").toException();
                }
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        if (bytes.length == 0) {
            return Json.object();
        }
        return Json.parseBody(bytes);
    }

    private String extraNames() {
        return extraActions.isEmpty() ? "" : ", " + String.join(", ", extraActions.keySet());
    }

    private static String printable(String s) {
        String cut = s.length() > 32 ? s.substring(0, 32) + "..." : s;
        return cut.replaceAll("[^A-Za-z0-9_-]", "?");
    }
}
