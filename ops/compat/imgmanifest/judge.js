#!/usr/bin/env node
/*
 * Judges image manifests the way Triton's IMGAPI (datacenter mode) does, with its own validator, the npm
 * package imgmanifest, so that imgfed's ManifestValidator can be compared with it
 * (protocol/src/test/java/io/imgfed/protocol/manifest/ImgmanifestDifferentialTest.java).
 *
 * Reads one JSON object per line on stdin and prints one JSON line per input, in order:
 *
 *   in:  {"id": 7, "op": "create", "body": {...}, "account": "<uuid>"}      CreateImage (account optional)
 *        {"id": 8, "op": "import", "body": {...}, "uuid": "<path uuid>"}    AdminImportImage
 *        {"id": 9, "op": "dc", "body": {...}}                              a stored manifest
 *   out: {"id": 7, "valid": false, "errors": [{"field": "name", "code": "Invalid", "message": "..."}]}
 *        {"id": 8, "valid": false, "errors": [], "threw": "TypeError: ..."}    IMGAPI would answer 500
 *
 * "dc" is imgmanifest.validateDcManifest on the body as given: what IMGAPI requires of an image in its
 * database (and so of every manifest it serves). "create" and "import" first do what IMGAPI does to a
 * request body before it calls validateDcManifest on the result; imgmanifest itself does not know about
 * requests. Those steps follow sdc-imgapi's lib/images.js (apiCreateImage, apiAdminImportImage,
 * Image.create, Image.validateAndNormalize; TritonDataCenter/sdc-imgapi at 4cb20d6f) in dc mode, with no
 * channels configured and without the database look-ups (owner and origin existence), which imgfed's
 * validator leaves to its caller too. A line that is not JSON gets {"id": null, "valid": false, "threw": ...}.
 */
'use strict';

var readline = require('readline');
var imgmanifest = require('imgmanifest');

// The uuid IMGAPI would assign to a created image; any uuid does.
var ASSIGNED_UUID = '99999999-9999-4999-8999-999999999999';

// Fields Image.create moves from the request into the stored ("raw") image when they are truthy, and
// those it moves whenever they are present (undefined-checked), as IMGAPI does.
var IF_TRUTHY = ['description', 'homepage', 'eula', 'icon'];
var IF_PRESENT = ['error', 'requirements', 'users', 'traits', 'billing_tags', 'generate_passwords',
    'inherited_directories', 'origin', 'channels'];
var ALWAYS = ['v', 'owner', 'name', 'version', 'type', 'os', 'public', 'disabled', 'acl'];
var ZVOL_FIELDS = ['nic_driver', 'disk_driver', 'cpu_type', 'image_size'];

// The raw fields validateAndNormalize hands to imgmanifest (besides tags, icon, acl and billing_tags,
// which it treats on their own).
var VALIDATED = ['v', 'uuid', 'name', 'version', 'description', 'homepage', 'eula', 'disabled',
    'activated', 'state', 'published_at', 'public', 'type', 'os', 'origin', 'icon', 'generate_passwords',
    'nic_driver', 'disk_driver', 'cpu_type', 'image_size', 'error', 'files', 'requirements', 'users',
    'traits', 'inherited_directories', 'owner', 'channels'];

/** IMGAPI's request errors (400/422 with field errors) are thrown as this and reported as invalid. */
function Refused(errors) {
    this.errors = errors;
}

function has(obj, key) {
    return Object.prototype.hasOwnProperty.call(obj, key);
}

/** apiCreateImage: owner from ?account, state refused, v defaulted, body channels dropped. */
function create(body, account) {
    if (account) {
        if (!body.owner) {
            body.owner = account;
        } else if (body.owner !== account) {
            throw new Refused([{field: 'owner', code: 'Invalid'}]);
        }
    }
    if (body.state !== undefined) {
        throw new Refused([{field: 'state', code: 'NotAllowed'}]);
    }
    if (body.v === undefined) {
        body.v = imgmanifest.V;
    }
    delete body.channels;
    return imageCreate(body, false);
}

/** apiAdminImportImage: the body's uuid must equal the path's; body channels dropped. */
function importImage(body, pathUuid) {
    if (pathUuid !== body.uuid) {
        throw new Refused([{field: 'uuid', code: 'Invalid'}]);
    }
    delete body.channels;
    return imageCreate(body, true);
}

/** Image.create: builds the stored image from the request, refuses leftover fields, then validates it. */
function imageCreate(data, isImport) {
    try {
        data = imgmanifest.upgradeManifest(data);
    } catch (e) {
        // IMGAPI carries on and lets validation judge the manifest.
    }
    var raw = {activated: false, state: 'unactivated'};
    ALWAYS.forEach(function (f) { raw[f] = data[f]; });
    raw.public = data.public || false;
    raw.disabled = data.disabled || false;
    IF_TRUTHY.forEach(function (f) {
        if (data[f]) {
            raw[f] = data[f];
        }
    });
    IF_PRESENT.forEach(function (f) {
        if (data[f] !== undefined) {
            raw[f] = data[f];
        }
    });
    var tags = data.tags;
    ALWAYS.concat(IF_TRUTHY, IF_PRESENT, ['tags']).forEach(function (f) { delete data[f]; });
    if (raw.type === 'zvol') {
        ZVOL_FIELDS.forEach(function (f) {
            raw[f] = data[f];
            delete data[f];
        });
        raw.image_size = Number(raw.image_size);
    }
    if (tags !== undefined) {
        // IMGAPI indexes tags as "key=value" strings first; that asserts an object (arrays pass).
        if (typeof (tags) !== 'object' || tags === null) {
            throw new TypeError('tagsObj (object) is required');
        }
        raw.tagsObj = tags;
    }
    if (isImport) {
        if (!data.uuid) {
            throw new Refused([{field: 'uuid', code: 'MissingParameter'}]);
        }
        raw.uuid = data.uuid;
        delete data.uuid;
        if (data.published_at && typeof (data.published_at) !== 'string') {
            throw new Refused([{field: 'published_at', code: 'Invalid'}]);
        }
        if (data.published_at) {
            raw.published_at = data.published_at;
        }
        delete data.published_at;
        if (data.urn) {
            raw.urn = data.urn;
        }
        delete data.urn;
    } else {
        raw.uuid = ASSIGNED_UUID;
    }
    delete data.files;
    delete data.state;
    var extra = Object.keys(data);
    if (extra.length > 0) {
        throw new Refused(extra.map(function (f) { return {field: f, code: 'Invalid'}; }));
    }
    if (typeof (raw.uuid) !== 'string') {
        // new Image() asserts a string uuid before validating.
        throw new TypeError('raw.uuid (string) is required');
    }
    return validateStored(raw);
}

/** Image.validateAndNormalize in dc mode: the raw image's special cases, then validateDcManifest. */
function validateStored(raw) {
    var errs = [];
    var manifest = {};
    VALIDATED.forEach(function (f) {
        if (has(raw, f)) {
            manifest[f] = raw[f];
        }
    });
    if (raw.tagsObj) {
        manifest.tags = raw.tagsObj;
    }
    if (raw.icon) {
        // A stored icon is the uploaded icon's metadata; a bare `true` lacks it.
        if (!raw.icon.contentMD5) {
            errs.push({field: 'icon', code: 'Invalid', message: 'icon missing "contentMD5"'});
        } else if (!raw.icon.size) {
            errs.push({field: 'icon', code: 'Invalid', message: 'icon missing "size"'});
        } else if (!raw.icon.contentType) {
            errs.push({field: 'icon', code: 'Invalid', message: 'icon missing "contentType"'});
        } else {
            manifest.icon = true;
        }
    }
    if (raw.acl !== undefined) {
        manifest.acl = typeof (raw.acl) === 'string' ? [raw.acl] : raw.acl;
    }
    if (raw.billing_tags) {
        manifest.billing_tags = typeof (raw.billing_tags) === 'string'
            ? [raw.billing_tags] : raw.billing_tags;
    }
    var fn = manifest.state === 'creating' ? imgmanifest.validateMinimalManifest
        : imgmanifest.validateDcManifest;
    (fn(manifest, {}) || []).forEach(function (e) { errs.push(e); });
    if (errs.length) {
        throw new Refused(errs);
    }
    return raw;
}

function judge(req) {
    var body = req.body;
    if (typeof (body) !== 'object' || body === null || Array.isArray(body)) {
        // restify's body parser hands IMGAPI only objects; imgmanifest asserts one.
        throw new Refused([{field: 'body', code: 'Invalid'}]);
    }
    switch (req.op) {
    case 'create':
        return create(body, req.account);
    case 'import':
        return importImage(body, req.uuid);
    case 'dc':
        var errs = imgmanifest.validateDcManifest(body, {});
        if (errs) {
            throw new Refused(errs);
        }
        return body;
    default:
        throw new Error('unknown op ' + JSON.stringify(req.op));
    }
}

function verdict(line) {
    var req;
    try {
        req = JSON.parse(line);
    } catch (e) {
        return {id: null, valid: false, errors: [], threw: 'not JSON: ' + e.message};
    }
    try {
        judge(req);
        return {id: req.id, valid: true, errors: []};
    } catch (e) {
        if (e instanceof Refused) {
            return {id: req.id, valid: false, errors: e.errors.map(function (x) {
                var out = {field: x.field, code: x.code};
                if (x.message) {
                    out.message = x.message;
                }
                return out;
            })};
        }
        return {id: req.id, valid: false, errors: [], threw: String(e && e.stack ? e.stack.split('\n')[0] : e)};
    }
}

var rl = readline.createInterface({input: process.stdin, crlfDelay: Infinity});
var out = [];
rl.on('line', function (line) {
    if (line.trim() === '') {
        return;
    }
    out.push(JSON.stringify(verdict(line)));
    if (out.length >= 256) {
        process.stdout.write(out.join('\n') + '\n');
        out = [];
    }
});
rl.on('close', function () {
    if (out.length) {
        process.stdout.write(out.join('\n') + '\n');
    }
});
