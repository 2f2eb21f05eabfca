#!/usr/bin/env node
// s3front: a verifying reverse proxy in front of s3rver, for tests only.
//
// s3rver speaks the S3 protocol but checks no signatures, no payload hashes and lets
// anonymous requests through. This front does what S3 does before it answers, written
// from AWS's documentation ("Authenticating Requests (AWS Signature Version 4)" in the
// Amazon S3 API Reference) and independently of htut's C++ signer, so the two cannot
// share a mistake:
//   * recomputes the SigV4 signature of every request, header auth (Authorization) and
//     query auth (presigned URLs), and answers a mismatch with 403 SignatureDoesNotMatch
//     carrying <CanonicalRequest> and <StringToSign>, like S3;
//   * rejects anonymous requests (403 AccessDenied), unknown keys (403 InvalidAccessKeyId),
//     a skewed clock (403 RequestTimeTooSkewed), expired URLs, unsigned x-amz-* headers;
//   * compares a hex x-amz-content-sha256 with the body (400 XAmzContentSHA256Mismatch);
//   * answers a PUT only once s3rver has flushed the object to disk (s3rver answers as soon
//     as its md5 stream ends, before the file is complete, so an immediate GET may read a
//     short object);
//   * with --data-dir (s3rver's -d), answers AbortMultipartUpload and ListMultipartUploads,
//     which s3rver lacks (s3front_multipart.js).
// Node built-ins only.
//
// usage: node s3front.js --listen 127.0.0.1:PORT --upstream http://127.0.0.1:S3RVERPORT
//                        --access-key KEY --secret SECRET [--region REGION] [--data-dir DIR] [--verbose]
'use strict';

const crypto = require('crypto');
const http = require('http');
const faults = require('./s3front_faults'); // test-controlled faults: see that file

const MAX_BODY = 64 * 1024 * 1024; // htut sends at most one 16 MiB part per request
const MAX_SKEW_MS = 15 * 60 * 1000; // S3's limit
const MAX_PRESIGN_SECONDS = 604800; // 7 days
const FLUSH_WAIT_MS = 10000;

function parseArgs(argv) {
  const opts = { region: null, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--listen') opts.listen = next();
    else if (a === '--upstream') opts.upstream = next();
    else if (a === '--access-key') opts.accessKey = next();
    else if (a === '--secret') opts.secret = next();
    else if (a === '--region') opts.region = next();
    else if (a === '--data-dir') opts.dataDir = next();
    else if (a === '--verbose') opts.verbose = true;
    else usage(`unknown argument ${a}`);
  }
  if (!opts.listen || !opts.upstream || !opts.accessKey || !opts.secret) usage('missing arguments');
  return opts;
}

function usage(why) {
  process.stderr.write(`s3front: ${why}\nusage: node s3front.js --listen HOST:PORT --upstream URL ` +
    '--access-key KEY --secret SECRET [--region REGION] [--data-dir DIR] [--verbose]\n');
  process.exit(2);
}

const opts = parseArgs(process.argv.slice(2));
const upstream = new URL(opts.upstream);
const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

function log(fields) {
  const parts = Object.entries(fields).map(([k, v]) => {
    const s = String(v);
    return `${k}=${/[\s"=]/.test(s) || s === '' ? JSON.stringify(s) : s}`;
  });
  process.stdout.write(`${parts.join(' ')}\n`);
}

// ---- SigV4 pieces (from the S3 API Reference) ---------------------------------------

const sha256Hex = (data) => crypto.createHash('sha256').update(data).digest('hex');
const hmac = (key, data) => crypto.createHmac('sha256', key).update(data).digest();

// RFC 3986: unreserved characters stay, every other byte becomes %XX (upper-case hex).
function awsEncode(text, keepSlash) {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c) || (keepSlash && c === '/')) out += c;
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

// Percent-decoding to bytes ('+' is a literal plus, as S3 reads paths); invalid escapes stay.
function percentDecode(text) {
  const bytes = [];
  const raw = Buffer.from(text, 'utf8');
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === 0x25 && i + 2 < raw.length) {
      const hex = String.fromCharCode(raw[i + 1], raw[i + 2]);
      if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
        bytes.push(parseInt(hex, 16));
        i += 2;
        continue;
      }
    }
    bytes.push(raw[i]);
  }
  return Buffer.from(bytes).toString('utf8');
}

// S3 does not normalize the path: every segment is decoded and encoded once more.
function canonicalUri(rawPath) {
  return rawPath.split('/').map((seg) => awsEncode(percentDecode(seg), false)).join('/') || '/';
}

// [[name, value], ...] decoded from the raw query string.
function parseQuery(rawQuery) {
  if (!rawQuery) return [];
  return rawQuery.split('&').filter((p) => p !== '').map((p) => {
    const eq = p.indexOf('=');
    return eq < 0 ? [percentDecode(p), ''] : [percentDecode(p.slice(0, eq)), percentDecode(p.slice(eq + 1))];
  });
}

function canonicalQuery(params) {
  const encoded = params.map(([k, v]) => [awsEncode(k, false), awsEncode(v, false)]);
  encoded.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return encoded.map(([k, v]) => `${k}=${v}`).join('&');
}

// Values of the signed headers from the raw header list: trimmed, inner runs of spaces
// squeezed, repeated headers joined with ',' in the order they came.
function canonicalHeaders(rawHeaders, signedNames) {
  const values = new Map();
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    const value = rawHeaders[i + 1].trim().replace(/\s+/g, ' ');
    if (!values.has(name)) values.set(name, []);
    values.get(name).push(value);
  }
  let out = '';
  for (const name of signedNames) {
    if (!values.has(name)) return null;
    out += `${name}:${values.get(name).join(',')}\n`;
  }
  return out;
}

function signingKey(secret, date, region, service) {
  const kDate = hmac(`AWS4${secret}`, date);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  return hmac(kService, 'aws4_request');
}

function parseAmzDate(s) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s || '');
  if (!m) return null;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
}

// ---- verification ---------------------------------------------------------------------

class S3Error {
  constructor(status, code, message, extra = {}) {
    Object.assign(this, { status, code, message, extra });
  }
}

// Checks the credential scope "KEY/YYYYMMDD/region/s3/aws4_request" against the request date.
function checkCredential(credential, amzDate) {
  const parts = (credential || '').split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request') {
    throw new S3Error(400, 'AuthorizationHeaderMalformed', `malformed credential '${credential}'`);
  }
  const [accessKey, date, region, service] = parts;
  if (accessKey !== opts.accessKey) {
    throw new S3Error(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
  }
  if (service !== 's3') throw new S3Error(400, 'AuthorizationHeaderMalformed', `service '${service}' is not s3`);
  if (opts.region && region !== opts.region) {
    throw new S3Error(400, 'AuthorizationHeaderMalformed',
      `the region '${region}' is wrong; expecting '${opts.region}'`);
  }
  if (!amzDate || amzDate.slice(0, 8) !== date) {
    throw new S3Error(400, 'AuthorizationHeaderMalformed', 'the credential date does not match X-Amz-Date');
  }
  return { accessKey, date, region, service };
}

function checkSkew(when) {
  if (when === null) throw new S3Error(403, 'AccessDenied', 'X-Amz-Date is missing or malformed');
  if (Math.abs(Date.now() - when) > MAX_SKEW_MS) {
    throw new S3Error(403, 'RequestTimeTooSkewed',
      'The difference between the request time and the current time is too large.');
  }
}

function compareSignature(provided, scope, amzDate, canonicalRequest) {
  const scopeText = `${scope.date}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scopeText, sha256Hex(canonicalRequest)].join('\n');
  const key = signingKey(opts.secret, scope.date, scope.region, scope.service);
  const expected = hmac(key, stringToSign).toString('hex');
  const ok = provided.length === expected.length &&
    crypto.timingSafeEqual(Buffer.from(provided), Buffer.from(expected));
  if (!ok) {
    throw new S3Error(403, 'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. ' +
      'Check your key and signing method.',
      { AWSAccessKeyId: scope.accessKey, StringToSign: stringToSign, SignatureProvided: provided,
        CanonicalRequest: canonicalRequest });
  }
}

// Every x-amz-* header that came must be signed (S3 rejects unsigned ones).
function checkAmzHeadersSigned(req, signedNames) {
  for (const name of Object.keys(req.headers)) {
    if (name.startsWith('x-amz-') && !signedNames.includes(name)) {
      throw new S3Error(403, 'AccessDenied', `There were headers present in the request which were not signed: ${name}`);
    }
  }
}

function verifyHeaderAuth(req, rawPath, query, body) {
  const auth = req.headers.authorization;
  const m = /^AWS4-HMAC-SHA256 (.*)$/.exec(auth);
  if (!m) throw new S3Error(400, 'InvalidArgument', 'Unsupported Authorization Type');
  const fields = {};
  for (const part of m[1].split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  if (!fields.Credential || !fields.SignedHeaders || !fields.Signature) {
    throw new S3Error(400, 'AuthorizationHeaderMalformed', 'Credential, SignedHeaders and Signature are required');
  }
  const amzDate = req.headers['x-amz-date'];
  const scope = checkCredential(fields.Credential, amzDate);
  checkSkew(parseAmzDate(amzDate));
  const signedNames = fields.SignedHeaders.split(';');
  if (!signedNames.includes('host')) throw new S3Error(403, 'AccessDenied', 'the host header must be signed');
  checkAmzHeadersSigned(req, signedNames);

  const payloadHash = req.headers['x-amz-content-sha256'];
  if (!payloadHash) throw new S3Error(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  if (/^[0-9a-f]{64}$/.test(payloadHash)) {
    if (sha256Hex(body) !== payloadHash) {
      throw new S3Error(400, 'XAmzContentSHA256Mismatch',
        "The provided 'x-amz-content-sha256' header does not match what was computed.");
    }
  } else if (payloadHash !== 'UNSIGNED-PAYLOAD') {
    throw new S3Error(400, 'InvalidArgument', `x-amz-content-sha256 '${payloadHash}' is not supported by this front`);
  }

  const headers = canonicalHeaders(req.rawHeaders, signedNames);
  if (headers === null) throw new S3Error(403, 'AccessDenied', 'a signed header is missing from the request');
  const canonicalRequest = [req.method, canonicalUri(rawPath), canonicalQuery(query), headers,
    signedNames.join(';'), payloadHash].join('\n');
  compareSignature(fields.Signature, scope, amzDate, canonicalRequest);
}

function verifyQueryAuth(req, rawPath, query) {
  const get = (name) => (query.find(([k]) => k === name) || [])[1];
  if (get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') {
    throw new S3Error(400, 'AuthorizationQueryParametersError', 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
  }
  for (const name of ['X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature']) {
    if (get(name) === undefined) {
      throw new S3Error(400, 'AuthorizationQueryParametersError', `Query-string authentication requires ${name}`);
    }
  }
  const amzDate = get('X-Amz-Date');
  const scope = checkCredential(get('X-Amz-Credential'), amzDate);
  const when = parseAmzDate(amzDate);
  if (when === null) throw new S3Error(403, 'AccessDenied', 'X-Amz-Date is malformed');
  const expires = Number(get('X-Amz-Expires'));
  if (!Number.isInteger(expires) || expires < 1 || expires > MAX_PRESIGN_SECONDS) {
    throw new S3Error(400, 'AuthorizationQueryParametersError', 'X-Amz-Expires must be 1 to 604800 seconds');
  }
  if (when - Date.now() > MAX_SKEW_MS) throw new S3Error(403, 'AccessDenied', 'Request is not valid yet');
  if (Date.now() > when + expires * 1000) throw new S3Error(403, 'AccessDenied', 'Request has expired');
  const signedNames = get('X-Amz-SignedHeaders').split(';');
  if (!signedNames.includes('host')) throw new S3Error(403, 'AccessDenied', 'the host header must be signed');
  checkAmzHeadersSigned(req, signedNames);

  const headers = canonicalHeaders(req.rawHeaders, signedNames);
  if (headers === null) throw new S3Error(403, 'AccessDenied', 'a signed header is missing from the request');
  const payloadHash = req.headers['x-amz-content-sha256'] || 'UNSIGNED-PAYLOAD';
  const unsigned = query.filter(([k]) => k !== 'X-Amz-Signature');
  const canonicalRequest = [req.method, canonicalUri(rawPath), canonicalQuery(unsigned), headers,
    signedNames.join(';'), payloadHash].join('\n');
  compareSignature(get('X-Amz-Signature'), scope, amzDate, canonicalRequest);
}

function verify(req, body) {
  const q = req.url.indexOf('?');
  const rawPath = q < 0 ? req.url : req.url.slice(0, q);
  const query = parseQuery(q < 0 ? '' : req.url.slice(q + 1));
  if (req.headers.authorization) return verifyHeaderAuth(req, rawPath, query, body);
  if (query.some(([k]) => k === 'X-Amz-Algorithm' || k === 'X-Amz-Signature')) {
    return verifyQueryAuth(req, rawPath, query);
  }
  throw new S3Error(403, 'AccessDenied', 'Access Denied (anonymous requests are not allowed)');
}

// ---- proxying -------------------------------------------------------------------------

const xmlEscape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function sendError(req, res, err) {
  const extra = Object.entries(err.extra).map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`).join('');
  const body = '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${err.code}</Code><Message>${xmlEscape(err.message)}</Message>${extra}` +
    `<RequestId>${crypto.randomBytes(8).toString('hex')}</RequestId></Error>`;
  res.writeHead(err.status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
  res.end(req.method === 'HEAD' ? undefined : body);
  log({ at: 'warn', msg: 'rejected', method: req.method, path: req.url.split('?')[0], status: err.status,
    code: err.code, detail: err.message });
}

// One request to s3rver; resolves with the response, its body not yet read.
function upstreamStream(method, path, headers, body) {
  return new Promise((resolve, reject) => {
    const r = http.request({ host: upstream.hostname, port: upstream.port, method, path, headers, agent }, resolve);
    r.on('error', reject);
    r.end(body);
  });
}

// One request to s3rver; resolves with {status, headers, body}.
async function upstreamRequest(method, path, headers, body) {
  const resp = await upstreamStream(method, path, headers, body);
  return new Promise((resolve, reject) => {
    const chunks = [];
    resp.on('data', (c) => chunks.push(c));
    resp.on('end', () => resolve({ status: resp.statusCode, headers: resp.headers, body: Buffer.concat(chunks) }));
    resp.on('error', reject);
    resp.on('aborted', () => reject(new Error('upstream aborted')));
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Waits until s3rver serves the object's last byte, i.e. the file is completely written.
async function waitForFlush(path, size, lastByte) {
  if (size === 0) return true;
  const deadline = Date.now() + FLUSH_WAIT_MS;
  while (Date.now() < deadline) {
    try {
      const r = await upstreamRequest('GET', path, { range: `bytes=${size - 1}-${size - 1}` });
      if (r.status === 206 && r.body.length === 1 && (lastByte === null || r.body[0] === lastByte)) return true;
    } catch (e) {
      // the object is still being written; try again
    }
    await sleep(20);
  }
  return false;
}

const multipart = opts.dataDir
  ? require('./s3front_multipart').createMultipart({ dataDir: opts.dataDir, log, decode: percentDecode }) : null;

// Part sizes seen per upload, so a completed multipart object can be checked too.
const partSizes = new Map();

function forwardHeaders(req, length) {
  const out = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i].toLowerCase();
    if (['connection', 'keep-alive', 'transfer-encoding', 'expect', 'host', 'content-length'].includes(name)) continue;
    out[name] = out[name] === undefined ? req.rawHeaders[i + 1] : `${out[name]}, ${req.rawHeaders[i + 1]}`;
  }
  out.host = upstream.host;
  out['content-length'] = String(length);
  return out;
}

async function handle(req, res, body) {
  verify(req, body);
  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const query = parseQuery(q < 0 ? '' : req.url.slice(q + 1));
  const has = (name) => query.some(([k]) => k === name);
  const value = (name) => (query.find(([k]) => k === name) || [])[1];
  const own = multipart && multipart.answer(req.method, path, query);
  if (own) {
    res.writeHead(own.status, own.headers);
    res.end(req.method === 'HEAD' ? undefined : own.body);
    return;
  }

  const resp = await upstreamStream(req.method, req.url, forwardHeaders(req, body.length), body);
  const ok = resp.statusCode >= 200 && resp.statusCode < 300;
  const headers = { ...resp.headers };
  delete headers.connection;
  delete headers['keep-alive'];
  if (req.method === 'GET' || req.method === 'HEAD' || !ok) {
    // Object data streams through; nothing to wait for.
    res.writeHead(resp.statusCode, headers);
    resp.pipe(res);
    resp.on('aborted', () => res.destroy());
    if (opts.verbose) log({ at: 'info', method: req.method, path, status: resp.statusCode });
    return;
  }
  const answer = await new Promise((resolve, reject) => {
    const chunks = [];
    resp.on('data', (c) => chunks.push(c));
    resp.on('end', () => resolve(Buffer.concat(chunks)));
    resp.on('error', reject);
  });
  if (req.method === 'PUT' && has('partNumber') && has('uploadId')) {
    const sizes = partSizes.get(value('uploadId')) || new Map();
    sizes.set(Number(value('partNumber')), body.length);
    partSizes.set(value('uploadId'), sizes);
  } else if (req.method === 'PUT' && query.length === 0 && !req.headers['x-amz-copy-source']) {
    if (!(await waitForFlush(path, body.length, body.length ? body[body.length - 1] : null))) {
      throw new S3Error(500, 'InternalError', 'the object was not written completely by s3rver');
    }
  } else if (req.method === 'POST' && has('uploadId')) {
    const sizes = partSizes.get(value('uploadId')) || new Map();
    partSizes.delete(value('uploadId'));
    const listed = [...body.toString('utf8').matchAll(/<PartNumber>\s*(\d+)\s*<\/PartNumber>/g)].map((m) => Number(m[1]));
    const expected = listed.reduce((sum, n) => sum + (sizes.get(n) || 0), 0);
    if (!(await waitForFlush(path, expected, null))) {
      throw new S3Error(500, 'InternalError', 'the multipart object was not assembled completely by s3rver');
    }
  }
  if (multipart) multipart.observe(req.method, path, query, resp.statusCode, answer, body.length);
  delete headers['transfer-encoding'];
  headers['content-length'] = String(answer.length);
  res.writeHead(resp.statusCode, headers);
  res.end(answer);
  if (opts.verbose) log({ at: 'info', method: req.method, path, status: resp.statusCode, bytes: body.length });
}

const server = http.createServer(faults.wrap((req, res) => {
  const chunks = [];
  let size = 0;
  let tooLarge = false;
  req.on('data', (c) => {
    size += c.length;
    if (size > MAX_BODY) tooLarge = true;
    else chunks.push(c);
  });
  req.on('end', () => {
    if (tooLarge) {
      sendError(req, res, new S3Error(400, 'EntityTooLarge', `this test front accepts bodies up to ${MAX_BODY} bytes`));
      return;
    }
    handle(req, res, Buffer.concat(chunks)).catch((err) => {
      if (err instanceof S3Error) return sendError(req, res, err);
      log({ at: 'error', msg: 'proxy failure', method: req.method, path: req.url.split('?')[0], error: err.message });
      if (!res.headersSent) sendError(req, res, new S3Error(502, 'BadGateway', `s3rver: ${err.message}`));
      else res.destroy();
    });
  });
}));
server.keepAliveTimeout = 65000;

const [host, port] = opts.listen.split(':');
server.listen(Number(port), host, () => log({ at: 'info', msg: 'listening', listen: opts.listen, upstream: opts.upstream }));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => server.close(() => process.exit(0)) && setTimeout(() => process.exit(0), 500));
