'use strict';
// Fault injection for the test S3 front (s3front.js), driven by the tests over
// HTTP on the front's own port, under /__faults (no S3 bucket name can start
// with "_", so no S3 request is ever taken for one of these):
//
//   POST   /__faults   {"contains": "KEY PART", "method": "GET",        add a rule; answers {"id": N}
//                      "status": 503, "code": "SlowDown",
//                      "hold_ms": 0, "for_ms": 20000, "times": 0}
//   DELETE /__faults                                                    drop every rule, release held requests
//   GET    /__faults/requests?contains=KEY%20PART&method=GET            {"count": N, "requests": [...]}
//
// A rule matches requests whose path contains `contains` (and whose method is
// `method`, when given) while it is active: for `for_ms` after it was added
// (0: until deleted) and for its first `times` matches (0: any number). A
// matching request is held `hold_ms` (released early by DELETE, dropped when
// the client goes away), then answered `status` with an S3 XML error `code`,
// or, without a status, passed on to s3rver as usual. Every request the front
// receives is recorded (the last 10000), so a test can count the GETs of one
// object, faulted or not. Node built-ins only.

const MAX_RECORDED = 10000;
const rules = [];
const recorded = [];
const held = new Set(); // release functions of held requests
let nextId = 1;

const MESSAGES = {
  AccessDenied: 'Access Denied',
  SlowDown: 'Please reduce your request rate.',
  InternalError: 'We encountered an internal error. Please try again.',
  ServiceUnavailable: 'Service is unable to handle request.',
};

function pathOf(req) {
  const q = req.url.indexOf('?');
  return q < 0 ? req.url : req.url.slice(0, q);
}

function decoded(path) {
  try {
    return decodeURIComponent(path);
  } catch (e) {
    return path;
  }
}

function reply(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function readJson(req, done) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    try {
      done(null, JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
    } catch (e) {
      done(e);
    }
  });
}

// The admin endpoint; true when the request was one of ours.
function admin(req, res) {
  const path = pathOf(req);
  if (path !== '/__faults' && !path.startsWith('/__faults/')) return false;
  if (req.method === 'POST' && path === '/__faults') {
    readJson(req, (err, spec) => {
      if (err || typeof spec.contains !== 'string' || spec.contains === '') {
        return reply(res, 400, { error: 'a rule needs "contains" (a non-empty string)' });
      }
      const rule = {
        id: nextId++,
        contains: spec.contains,
        method: spec.method || null,
        status: spec.status || null,
        code: spec.code || (spec.status === 403 ? 'AccessDenied' : spec.status === 503 ? 'SlowDown' : 'InternalError'),
        holdMs: Number(spec.hold_ms) || 0,
        until: Number(spec.for_ms) > 0 ? Date.now() + Number(spec.for_ms) : Infinity,
        timesLeft: Number(spec.times) > 0 ? Number(spec.times) : Infinity,
        matched: 0,
      };
      rules.push(rule);
      reply(res, 200, { id: rule.id });
    });
    return true;
  }
  if (req.method === 'DELETE' && path === '/__faults') {
    rules.length = 0;
    for (const release of [...held]) release();
    reply(res, 200, { cleared: true });
    return true;
  }
  if (req.method === 'GET' && path === '/__faults/requests') {
    const params = new URL(req.url, 'http://front').searchParams;
    const contains = params.get('contains') || '';
    const method = params.get('method');
    const found = recorded.filter((r) => r.path.includes(contains) && (!method || r.method === method));
    reply(res, 200, { count: found.length, requests: found });
    return true;
  }
  reply(res, 404, { error: 'unknown fault endpoint' });
  return true;
}

function matchingRule(req, path) {
  const now = Date.now();
  for (const rule of rules) {
    if (rule.until < now || rule.timesLeft <= 0) continue;
    if (rule.method && rule.method !== req.method) continue;
    if (!path.includes(rule.contains)) continue;
    rule.timesLeft -= 1;
    rule.matched += 1;
    return rule;
  }
  return null;
}

function answer(req, res, rule) {
  const body = '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${rule.code}</Code><Message>${MESSAGES[rule.code] || rule.code}</Message>` +
    `<RequestId>fault${rule.id}</RequestId></Error>`;
  res.writeHead(rule.status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

// Wraps the front's request handler: admin requests, recording, faults.
function wrap(handler) {
  return (req, res) => {
    if (admin(req, res)) return;
    const path = decoded(pathOf(req));
    const entry = { method: req.method, path, at: Date.now(), fault: null };
    recorded.push(entry);
    if (recorded.length > MAX_RECORDED) recorded.shift();
    const rule = matchingRule(req, path);
    if (!rule) return handler(req, res);
    entry.fault = rule.id;
    const go = () => (rule.status ? answer(req, res, rule) : handler(req, res));
    if (rule.holdMs <= 0) return go();
    let timer = null;
    const release = () => {
      clearTimeout(timer);
      if (!held.delete(release)) return;
      if (!res.destroyed) go();
    };
    held.add(release);
    timer = setTimeout(release, rule.holdMs);
    req.socket.on('close', () => {
      clearTimeout(timer);
      held.delete(release);
    });
  };
}

module.exports = { wrap };
