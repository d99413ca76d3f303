#!/usr/bin/env node
/*
 * Drives the IMGAPI client of the npm package sdc-clients (13.x) against an imgfed daemon, the way Triton
 * uses it: ping, create, addImageFile, activate, getImage, getImageFile (with its Content-MD5 check),
 * listImages (with its automatic paging over more than 1000 images), update, disable, enable, acl add and
 * remove, delete, and the IMGAPI error code surfacing on the client.
 *
 *   node compat.js http://127.0.0.1:8080 [--extra N] [--parallel N]
 *   node compat.js http://127.0.0.1:8080 --sign-user USER --sign-key PRIVATE_KEY_FILE [--steps a,b,...]
 *
 * With --sign-user and --sign-key the client signs every request the way Triton configures it
 * (IMGAPI.cliSigner with the key file's path as keyId, which uses smartdc-auth and sshpk): an
 * `Authorization: Signature keyId="USER",algorithm="rsa-sha256"|"ed25519-sha512",...` header over the
 * `date` header alone, so the daemon needs auth.dateOnlySignatures: true. USER must be an account uuid (the
 * images are created for it) whose public key the daemon has in auth.keys. The signed run's default steps are SIGNED_STEPS; it ends by checking that a client
 * without the signer gets 401 Unauthorized.
 *
 * Prints one JSON line per step: {"step": "...", "ok": true|false, "detail": "..."}; exits 1 when any step
 * failed (steps after a failed one report ok:false with "not run"). Leaves the images it created (under a
 * fresh random owner, or USER) in the daemon, except the one it deletes; use a throwaway data dir.
 */
'use strict';

var crypto = require('crypto');
var fs = require('fs');
var os = require('os');
var path = require('path');
var stream = require('stream');
var bunyan = require('bunyan');
var IMGAPI = require('sdc-clients').IMGAPI;

var ALL_STEPS = ['ping', 'create', 'add-file', 'activate', 'get', 'get-file', 'error-code', 'bulk-create',
    'list-paging', 'list', 'update', 'disable', 'enable', 'acl-add', 'acl-remove', 'delete', 'unsigned'];
var STEPS = ['ping', 'create', 'add-file', 'activate', 'get', 'get-file', 'error-code', 'bulk-create',
    'list-paging', 'update', 'disable', 'enable', 'acl-add', 'acl-remove', 'delete'];
var SIGNED_STEPS = ['ping', 'create', 'add-file', 'activate', 'get', 'get-file', 'list', 'delete', 'unsigned'];

var url = null;
var extra = 1050;           // > 1000: the client must page (limit=1000&marker=<last uuid>)
var parallel = 32;
var signUser = null;
var signKey = null;
var stepList = null;
for (var i = 2; i < process.argv.length; i++) {
    if (process.argv[i] === '--extra') {
        extra = Number(process.argv[++i]);
    } else if (process.argv[i] === '--parallel') {
        parallel = Number(process.argv[++i]);
    } else if (process.argv[i] === '--sign-user') {
        signUser = process.argv[++i];
    } else if (process.argv[i] === '--sign-key') {
        signKey = process.argv[++i];
    } else if (process.argv[i] === '--steps') {
        stepList = String(process.argv[++i]).split(',');
    } else if (!url) {
        url = process.argv[i];
    }
}
STEPS = stepList || (signUser ? SIGNED_STEPS : STEPS);
// The list-paging step needs at least 1000 images (extra + the main one) so that the client must page.
if (!url || !/^https?:\/\//.test(url) || !(extra >= 999) || !(parallel >= 1) || !signUser !== !signKey ||
        (signUser && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(signUser)) ||
        STEPS.some(function (s) { return ALL_STEPS.indexOf(s) < 0; })) {
    process.stderr.write('usage: node compat.js <daemon url, e.g. http://127.0.0.1:8080> ' +
        '[--extra N (>= 999, default 1050)] [--parallel N (default 32)] ' +
        '[--sign-user <account uuid> --sign-key <private key file>] [--steps ' + ALL_STEPS.join(',') + ']\n');
    process.exit(2);
}

var log = bunyan.createLogger({name: 'imgfed-compat', level: 'fatal', stream: process.stderr});

function newClient(signed) {
    var opts = {
        url: url,
        log: log,
        connectTimeout: 10000,
        requestTimeout: 60000,
        retry: false
    };
    if (signed) {
        // As Triton's tools do it: keyId is the private key's path; smartdc-auth reads it and signs with sshpk.
        opts.user = signUser;
        opts.sign = IMGAPI.cliSigner({keyId: signKey, user: signUser, log: log});
    }
    return new IMGAPI(opts);
}

var client = newClient(Boolean(signUser));

var tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'imgfed-compat-'));
var OWNER = signUser || crypto.randomUUID();
var ACL_A = crypto.randomUUID();
var ACL_B = crypto.randomUUID();
var failed = false;
var reported = {};
var current = null;

function report(step, ok, detail) {
    reported[step] = true;
    if (!ok) {
        failed = true;
    }
    process.stdout.write(JSON.stringify({step: step, ok: ok, detail: String(detail)}) + '\n');
}

function finish() {
    STEPS.forEach(function (s) {
        if (!reported[s]) {
            report(s, false, 'not run: an earlier step failed');
        }
    });
    try {
        fs.rmSync(tmp, {recursive: true, force: true});
    } catch (e) { /* best effort */ }
    client.close();
    process.exit(failed ? 1 : 0);
}

// A crash inside the client (e.g. its ChecksumError asserting on a missing Content-MD5 header) is a failure
// of the step that was running, not a silent exit.
process.on('uncaughtException', function (err) {
    report(current || 'unknown', false, 'client crashed: ' + (err && err.stack || err));
    finish();
});

function check(cond, msg) {
    if (!cond) {
        throw new Error(msg);
    }
}

function describeErr(err) {
    if (!err) {
        return 'no error';
    }
    var code = err.restCode || (err.body && err.body.code) || err.code;
    return (err.statusCode || '-') + ' ' + code + ': ' + err.message;
}

// Promise wrappers around the callback API (the callbacks' first two arguments are all we need).
function callOn(c, method) {
    var args = Array.prototype.slice.call(arguments, 2);
    return new Promise(function (resolve) {
        args.push(function (err, a, b) {
            resolve({err: err, a: a, b: b});
        });
        c[method].apply(c, args);
    });
}

function call(method) {
    return callOn.apply(null, [client].concat(Array.prototype.slice.call(arguments)));
}

async function ok(method) {
    var r = await call.apply(null, arguments);
    if (r.err) {
        throw new Error(method + ' failed: ' + describeErr(r.err));
    }
    return r;
}

function sha1(buf) {
    return crypto.createHash('sha1').update(buf).digest('hex');
}

function md5b64(buf) {
    return crypto.createHash('md5').update(buf).digest('base64');
}

var ctx = {};

var steps = {
    'ping': async function () {
        var r = await ok('ping');
        check(r.a && r.a.ping === 'pong', 'pong is ' + JSON.stringify(r.a));
        return JSON.stringify(r.a);
    },

    'create': async function () {
        var r = await ok('createImage', {
            owner: OWNER,
            name: 'compat-main',
            version: '1.0.0',
            type: 'zone-dataset',
            os: 'smartos',
            description: 'sdc-clients compatibility check'
        });
        var img = r.a;
        check(img && /^[0-9a-f-]{36}$/.test(img.uuid), 'no uuid in ' + JSON.stringify(img));
        check(img.state === 'unactivated', 'state ' + img.state + ', expected unactivated');
        check(img.owner === OWNER && img.name === 'compat-main' && img.version === '1.0.0',
            'manifest mismatch: ' + JSON.stringify(img));
        check(r.b.statusCode === 200 || r.b.statusCode === 201, 'status ' + r.b.statusCode);
        ctx.uuid = img.uuid;
        return img.uuid;
    },

    'add-file': async function () {
        ctx.data = crypto.randomBytes(3 * 1024 * 1024 + 12345);
        ctx.file = path.join(tmp, 'main.zfs');
        fs.writeFileSync(ctx.file, ctx.data);
        var r = await ok('addImageFile', {
            uuid: ctx.uuid, file: ctx.file, compression: 'none', sha1: sha1(ctx.data)
        });
        var img = r.a;
        check(img && Array.isArray(img.files) && img.files.length === 1, 'files: ' + JSON.stringify(img));
        check(img.files[0].sha1 === sha1(ctx.data), 'sha1 ' + img.files[0].sha1);
        check(img.files[0].size === ctx.data.length, 'size ' + img.files[0].size);
        check(img.files[0].compression === 'none', 'compression ' + img.files[0].compression);
        return ctx.data.length + ' bytes, sha1 ' + img.files[0].sha1;
    },

    'activate': async function () {
        var r = await ok('activateImage', ctx.uuid);
        check(r.a && r.a.state === 'active', 'state ' + (r.a && r.a.state));
        check(typeof (r.a.published_at) === 'string', 'no published_at');
        return 'published_at ' + r.a.published_at;
    },

    'get': async function () {
        var r = await ok('getImage', ctx.uuid);
        var img = r.a;
        check(img.uuid === ctx.uuid && img.state === 'active' && img.owner === OWNER, JSON.stringify(img));
        check(img.files && img.files[0] && img.files[0].sha1 === sha1(ctx.data), 'files ' + JSON.stringify(img.files));
        check(img.v === 2, 'v ' + img.v);
        return img.name + '@' + img.version + ' ' + img.state;
    },

    'get-file': async function () {
        var out = path.join(tmp, 'main.out');
        // getImageFile's callback is (err, res); the client compares the body's MD5 with Content-MD5.
        var r = await call('getImageFile', ctx.uuid, out);
        check(!r.err, 'getImageFile failed: ' + describeErr(r.err));
        var res = r.a;
        var got = fs.readFileSync(out);
        check(res.headers['content-md5'] === md5b64(ctx.data),
            'Content-MD5 ' + res.headers['content-md5'] + ', expected ' + md5b64(ctx.data));
        check(got.equals(ctx.data), 'downloaded bytes differ (' + got.length + ' vs ' + ctx.data.length + ')');
        return got.length + ' bytes, Content-MD5 ' + res.headers['content-md5'];
    },

    'error-code': async function () {
        var missing = crypto.randomUUID();
        var r1 = await call('getImage', missing);
        check(r1.err, 'getImage of a random uuid succeeded');
        check(r1.err.statusCode === 404 && r1.err.restCode === 'ResourceNotFound',
            'getImage: ' + describeErr(r1.err));
        // The raw (streaming) client path: the client reads the code from the JSON body.
        var r2 = await call('getImageFile', missing, path.join(tmp, 'missing.out'));
        check(r2.err, 'getImageFile of a random uuid succeeded');
        check(r2.err.statusCode === 404 && r2.err.body && r2.err.body.code === 'ResourceNotFound',
            'getImageFile: ' + describeErr(r2.err));
        var r3 = await call('createImage', {owner: OWNER, name: 'bad', version: '1', type: 'zone-dataset',
            os: 'smartos', state: 'active'});
        check(r3.err, 'createImage with state succeeded');
        check(r3.err.statusCode === 422 && r3.err.restCode === 'ValidationFailed' &&
            Array.isArray(r3.err.body.errors) && r3.err.body.errors.some(function (e) { return e.field === 'state'; }),
            'createImage with state: ' + describeErr(r3.err) + ' ' + JSON.stringify(r3.err.body));
        return 'getImage 404 ResourceNotFound; getImageFile 404 ResourceNotFound; createImage 422 ValidationFailed(state)';
    },

    'bulk-create': async function () {
        var t0 = Date.now();
        ctx.bulk = [];
        var next = 0;
        async function one(n) {
            var c = await ok('createImage', {owner: OWNER, name: 'compat-bulk', version: '1.0.' + n,
                type: 'zone-dataset', os: 'smartos'});
            var buf = Buffer.from('imgfed compat bulk image ' + n + ' ' + c.a.uuid + '\n');
            var s = stream.Readable.from([buf]);
            s.pause();
            var f = await ok('addImageFile', {uuid: c.a.uuid, file: s, size: buf.length,
                compression: 'none', sha1: sha1(buf)});
            check(f.a.files[0].sha1 === sha1(buf), 'bulk ' + n + ': sha1 ' + f.a.files[0].sha1);
            var a = await ok('activateImage', c.a.uuid);
            check(a.a.state === 'active', 'bulk ' + n + ': state ' + a.a.state);
            return c.a.uuid;
        }
        async function worker() {
            while (next < extra) {
                var n = next++;
                ctx.bulk[n] = await one(n);
            }
        }
        var workers = [];
        for (var w = 0; w < parallel; w++) {
            workers.push(worker());
        }
        await Promise.all(workers);
        return extra + ' images created, file added, activated in ' + (Date.now() - t0) + ' ms (' +
            parallel + ' in parallel)';
    },

    'list-paging': async function () {
        // Count the requests listImages makes, to show that it paged.
        var queries = [];
        var origGet = client.client.get;
        client.client.get = function (opts) {
            queries.push(typeof (opts) === 'string' ? opts : opts.path);
            return origGet.apply(this, arguments);
        };
        var r;
        try {
            r = await ok('listImages', {owner: OWNER});
        } finally {
            client.client.get = origGet;
        }
        var images = r.a;
        var expected = [ctx.uuid].concat(ctx.bulk);
        var seen = {};
        var dups = [];
        images.forEach(function (img) {
            if (seen[img.uuid]) {
                dups.push(img.uuid);
            }
            seen[img.uuid] = true;
        });
        var missing = expected.filter(function (u) { return !seen[u]; });
        var wanted = {};
        expected.forEach(function (u) { wanted[u] = true; });
        var unexpected = images.filter(function (img) { return !wanted[img.uuid]; });
        check(dups.length === 0, dups.length + ' duplicates, e.g. ' + dups[0]);
        check(missing.length === 0, missing.length + ' of ' + expected.length + ' missing, e.g. ' + missing[0]);
        check(unexpected.length === 0, unexpected.length + ' unexpected, e.g. ' + JSON.stringify(unexpected[0]));
        check(images.length === expected.length, images.length + ' listed, expected ' + expected.length);
        for (var k = 1; k < images.length; k++) {
            var p = images[k - 1], q = images[k];
            check(p.published_at < q.published_at || (p.published_at === q.published_at && p.uuid < q.uuid),
                'not sorted by (published_at, uuid) at ' + k + ': ' + p.published_at + ' ' + p.uuid + ' then ' +
                q.published_at + ' ' + q.uuid);
        }
        check(queries.length >= 2, 'listImages made ' + queries.length + ' request(s); expected paging');
        check(queries.slice(1).every(function (q) { return /[?&]limit=1000(&|$)/.test(q) && /[?&]marker=/.test(q); }),
            'paging requests: ' + JSON.stringify(queries));
        // A single page is capped at 1000 (the server's default limit), which is why the client pages.
        var first = await ok('listImages', {owner: OWNER, limit: 1000});
        check(first.a.length === 1000, 'limit=1000 page has ' + first.a.length);
        return images.length + ' images over ' + queries.length + ' requests: ' + queries.join(' , ');
    },

    'list': async function () {
        var r = await ok('listImages', {owner: OWNER, name: 'compat-main'});
        check(Array.isArray(r.a), 'listImages answered ' + JSON.stringify(r.a));
        check(r.a.some(function (img) { return img.uuid === ctx.uuid && img.state === 'active'; }),
            'the image is not listed: ' + JSON.stringify(r.a.map(function (img) { return img.uuid; })));
        check(r.a.every(function (img) { return img.owner === OWNER; }), 'listed another owner\'s image');
        return r.a.length + ' image(s) named compat-main';
    },

    'update': async function () {
        var desc = 'updated by sdc-clients ' + Date.now();
        var r = await ok('updateImage', ctx.uuid, {description: desc});
        check(r.a.description === desc, 'update answered description ' + JSON.stringify(r.a.description));
        var g = await ok('getImage', ctx.uuid);
        check(g.a.description === desc, 'getImage after update: description ' + JSON.stringify(g.a.description));
        check(g.a.name === 'compat-main' && g.a.state === 'active', 'other fields changed: ' + JSON.stringify(g.a));
        return 'description = ' + desc;
    },

    'disable': async function () {
        var r = await ok('disableImage', ctx.uuid);
        check(r.a.state === 'disabled' && r.a.disabled === true, 'state ' + r.a.state + ' disabled ' + r.a.disabled);
        var g = await ok('getImage', ctx.uuid);
        check(g.a.state === 'disabled' && g.a.disabled === true, 'getImage: state ' + g.a.state);
        var l = await ok('listImages', {owner: OWNER, name: 'compat-main', limit: 10});
        check(l.a.length === 0, 'a disabled image is in the default (active) listing');
        return 'state disabled, not in the default listing';
    },

    'enable': async function () {
        var r = await ok('enableImage', ctx.uuid);
        check(r.a.state === 'active' && r.a.disabled === false, 'state ' + r.a.state + ' disabled ' + r.a.disabled);
        var g = await ok('getImage', ctx.uuid);
        check(g.a.state === 'active', 'getImage: state ' + g.a.state);
        return 'state active';
    },

    'acl-add': async function () {
        // The image is private (public unset): another account sees it only through the acl.
        var before = await call('getImage', ctx.uuid, ACL_A);
        check(before.err && before.err.restCode === 'ResourceNotFound',
            'account ' + ACL_A + ' saw the private image before the acl: ' + describeErr(before.err));
        var r = await ok('addImageAcl', ctx.uuid, [ACL_A, ACL_B]);
        check(Array.isArray(r.a.acl) && r.a.acl.indexOf(ACL_A) >= 0 && r.a.acl.indexOf(ACL_B) >= 0,
            'acl ' + JSON.stringify(r.a.acl));
        var g = await ok('getImage', ctx.uuid, ACL_A);
        check(g.a.uuid === ctx.uuid, 'getImage as acl account');
        return 'acl ' + JSON.stringify(r.a.acl) + '; visible to ' + ACL_A;
    },

    'acl-remove': async function () {
        var r = await ok('removeImageAcl', ctx.uuid, [ACL_A]);
        check(Array.isArray(r.a.acl) && r.a.acl.length === 1 && r.a.acl[0] === ACL_B, 'acl ' + JSON.stringify(r.a.acl));
        var g = await call('getImage', ctx.uuid, ACL_A);
        check(g.err && g.err.statusCode === 404 && g.err.restCode === 'ResourceNotFound',
            'removed account still sees the image: ' + describeErr(g.err));
        return 'acl ' + JSON.stringify(r.a.acl) + '; hidden from ' + ACL_A;
    },

    'delete': async function () {
        // deleteImage's callback is (err, res).
        var r = await call('deleteImage', ctx.uuid);
        check(!r.err, 'deleteImage failed: ' + describeErr(r.err));
        check(r.a && r.a.statusCode === 204, 'status ' + (r.a && r.a.statusCode));
        var g = await call('getImage', ctx.uuid);
        check(g.err && g.err.statusCode === 404 && g.err.restCode === 'ResourceNotFound',
            'getImage after delete: ' + describeErr(g.err));
        var l = await ok('listImages', {owner: OWNER, name: 'compat-main', state: 'all', limit: 10});
        check(l.a.length === 0, 'deleted image still listed with state=all');
        return '204; then getImage 404 ResourceNotFound';
    },

    'unsigned': async function () {
        // The same calls from a client without the signer: no Authorization header, so 401 Unauthorized.
        var plain = newClient(false);
        try {
            var uuid = ctx.uuid || crypto.randomUUID();
            var g = await callOn(plain, 'getImage', uuid);
            check(g.err && g.err.statusCode === 401 && g.err.restCode === 'Unauthorized',
                'unsigned getImage: ' + describeErr(g.err));
            var c = await callOn(plain, 'createImage', {owner: OWNER, name: 'compat-unsigned', version: '1.0.0',
                type: 'zone-dataset', os: 'smartos'});
            check(c.err && c.err.statusCode === 401 && c.err.restCode === 'Unauthorized',
                'unsigned createImage: ' + describeErr(c.err));
            var l = await callOn(plain, 'listImages', {owner: OWNER});
            check(l.err && l.err.statusCode === 401 && l.err.restCode === 'Unauthorized',
                'unsigned listImages: ' + describeErr(l.err));
            return 'getImage, createImage, listImages: 401 Unauthorized';
        } finally {
            plain.close();
        }
    }
};

(async function main() {
    for (var s = 0; s < STEPS.length; s++) {
        current = STEPS[s];
        var t0 = Date.now();
        try {
            var detail = await steps[current]();
            report(current, true, detail + ' (' + (Date.now() - t0) + ' ms)');
        } catch (e) {
            report(current, false, e.message);
            break;
        }
    }
    current = null;
    finish();
})();
