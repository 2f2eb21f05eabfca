// s3front_multipart: the multipart calls s3rver lacks, for the verifying front (s3front.js).
//
// s3rver 3.7.1 implements CreateMultipartUpload, UploadPart and CompleteMultipartUpload, but
// answers NotImplemented to AbortMultipartUpload and ListMultipartUploads, so an upload that
// failed half-way could never be cleaned up nor seen. This module answers those two itself,
// written from the Amazon S3 API Reference ("AbortMultipartUpload", "ListMultipartUploads"):
//   * ListMultipartUploads (GET /bucket?uploads): the uploads initiated and neither completed
//     nor aborted, sorted by key then initiation time; prefix, delimiter (CommonPrefixes),
//     key-marker, upload-id-marker and max-uploads (default and maximum 1000);
//   * AbortMultipartUpload (DELETE /bucket/key?uploadId=ID): removes the upload and its parts,
//     204; 404 NoSuchUpload when no such upload is in progress for that key;
//   * UploadPart and CompleteMultipartUpload for an upload that is not in progress (aborted,
//     completed, never initiated) answer 404 NoSuchUpload, like S3, instead of letting s3rver
//     recreate a parts directory.
// The state is s3rver's own: an upload in progress is the directory
// <data dir>/<bucket>/._S3rver_uploads/<upload id>/ that s3rver writes (its `key` file names the
// object, one file per part) and removes when the upload completes. So the listing survives a
// restart of the front or of s3rver, as S3's would.
//
// Every initiated, completed and aborted upload is logged (`msg=multipart event=initiated|
// completed|aborted upload_id=… key=…`, with running totals), and every stored part
// (`event=part … part=N bytes=…`), so a test can tell which upload was aborted and where.
//
// Test hook: a CompleteMultipartUpload of a key whose last segment starts with
// `s3front-fail-complete` fails the way S3 documents that a Complete can fail after its
// 200 OK: status 200 with an <Error> body (InternalError); the upload stays in progress.
'use strict';

const fs = require('fs');
const path = require('path');

const UPLOADS_DIR = '._S3rver_uploads'; // s3rver's FilesystemStore: format('%s._S3rver_%s', '', 'uploads')
const FAIL_COMPLETE_MARK = 's3front-fail-complete';
const MAX_UPLOADS = 1000;

const xmlEscape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function xmlAnswer(status, body) {
  const text = '<?xml version="1.0" encoding="UTF-8"?>\n' + body;
  return { status, headers: { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(text) }, body: text };
}

function errorAnswer(status, code, message, resource) {
  return xmlAnswer(status, `<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message>` +
    `<Resource>${xmlEscape(resource)}</Resource></Error>`);
}

// "/bucket/some/key" (path-style, percent-encoded) -> { bucket, key } (key decoded, '' for the bucket).
function splitPath(rawPath, decode) {
  const slash = rawPath.indexOf('/', 1);
  if (slash < 0) return { bucket: decode(rawPath.slice(1)), key: '' };
  return { bucket: decode(rawPath.slice(1, slash)), key: decode(rawPath.slice(slash + 1)) };
}

function createMultipart({ dataDir, log, decode }) {
  const totals = { initiated: 0, completed: 0, aborted: 0 };

  const uploadsDir = (bucket) => path.join(dataDir, bucket, UPLOADS_DIR);
  const validId = (id) => /^[A-Za-z0-9._-]{1,200}$/.test(id || '');

  // The upload in progress with this id: { uploadId, key, initiated (Date), dir } or null.
  function readUpload(bucket, uploadId) {
    if (!validId(uploadId)) return null;
    const dir = path.join(uploadsDir(bucket), uploadId);
    try {
      const key = fs.readFileSync(path.join(dir, 'key'), 'utf8');
      return { uploadId, key, initiated: fs.statSync(dir).mtime, dir };
    } catch (e) {
      return null;
    }
  }

  function inProgress(bucket) {
    let ids = [];
    try {
      ids = fs.readdirSync(uploadsDir(bucket));
    } catch (e) {
      return [];
    }
    const uploads = ids.map((id) => readUpload(bucket, id)).filter(Boolean);
    uploads.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.initiated - b.initiated));
    return uploads;
  }

  function event(name, fields) {
    totals[name] += 1;
    log({ at: 'info', msg: 'multipart', event: name, ...fields, ...totals });
  }

  function list(bucket, query, resource) {
    const get = (name) => (query.find(([k]) => k === name) || [])[1];
    const prefix = get('prefix') || '';
    const delimiter = get('delimiter') || '';
    const keyMarker = get('key-marker') || '';
    const idMarker = get('upload-id-marker') || '';
    let max = MAX_UPLOADS;
    if (get('max-uploads') !== undefined) {
      max = Number(get('max-uploads'));
      if (!Number.isInteger(max) || max < 0) {
        return errorAnswer(400, 'InvalidArgument', 'max-uploads must be an integer from 0 to 2147483647', resource);
      }
      max = Math.min(max, MAX_UPLOADS);
    }
    // After the markers: keys after key-marker, or, with upload-id-marker, later uploads of that key too.
    let after = inProgress(bucket).filter((u) => u.key.startsWith(prefix));
    if (keyMarker) {
      const markerIndex = idMarker ? after.findIndex((u) => u.key === keyMarker && u.uploadId === idMarker) : -1;
      after = markerIndex >= 0 ? after.slice(markerIndex + 1).filter((u) => u.key >= keyMarker)
        : after.filter((u) => u.key > keyMarker);
    }
    const uploads = [];
    const prefixes = [];
    let truncated = false;
    let last = null;
    for (const u of after) {
      const rest = u.key.slice(prefix.length);
      const cut = delimiter ? rest.indexOf(delimiter) : -1;
      const common = cut >= 0 ? prefix + rest.slice(0, cut + delimiter.length) : null;
      if (common !== null && prefixes.includes(common)) continue;
      if (uploads.length + prefixes.length >= max) {
        truncated = true;
        break;
      }
      if (common !== null) prefixes.push(common);
      else uploads.push(u);
      last = u;
    }
    const tag = (name, value) => `<${name}>${xmlEscape(value)}</${name}>`;
    const owner = '<ID>s3front</ID><DisplayName>s3front</DisplayName>';
    let body = '<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
      tag('Bucket', bucket) + tag('KeyMarker', keyMarker) + tag('UploadIdMarker', idMarker) +
      tag('NextKeyMarker', truncated && last ? last.key : '') +
      tag('NextUploadIdMarker', truncated && last ? last.uploadId : '') +
      tag('Prefix', prefix) + (delimiter ? tag('Delimiter', delimiter) : '') + tag('MaxUploads', max) +
      tag('IsTruncated', truncated);
    for (const u of uploads) {
      body += `<Upload>${tag('Key', u.key)}${tag('UploadId', u.uploadId)}<Initiator>${owner}</Initiator>` +
        `<Owner>${owner}</Owner>${tag('StorageClass', 'STANDARD')}${tag('Initiated', u.initiated.toISOString())}` +
        '</Upload>';
    }
    for (const p of prefixes) body += `<CommonPrefixes>${tag('Prefix', p)}</CommonPrefixes>`;
    return xmlAnswer(200, body + '</ListMultipartUploadsResult>');
  }

  const noSuchUpload = (resource) => errorAnswer(404, 'NoSuchUpload',
    'The specified upload does not exist. The upload ID may be invalid, or the upload may have been ' +
    'aborted or completed.', resource);

  // Answers a request itself (an answer {status, headers, body}) or returns null to let s3rver do it.
  // Runs after the signature was verified.
  function answer(method, rawPath, query) {
    const has = (name) => query.some(([k]) => k === name);
    const uploadId = (query.find(([k]) => k === 'uploadId') || [])[1];
    const { bucket, key } = splitPath(rawPath, decode);
    if (method === 'GET' && key === '' && has('uploads')) return list(bucket, query, rawPath);
    if (uploadId === undefined || key === '') return null;
    const upload = readUpload(bucket, uploadId);
    const mine = upload && upload.key === key;
    if (method === 'DELETE') {
      if (!mine) return noSuchUpload(rawPath);
      fs.rmSync(upload.dir, { recursive: true, force: true });
      event('aborted', { upload_id: uploadId, key });
      return { status: 204, headers: {}, body: '' };
    }
    if (!mine && (method === 'PUT' || method === 'POST')) return noSuchUpload(rawPath);
    if (method === 'POST' && path.posix.basename(key).startsWith(FAIL_COMPLETE_MARK)) {
      log({ at: 'info', msg: 'multipart', event: 'complete_failed_on_purpose', upload_id: uploadId, key });
      return xmlAnswer(200, '<Error><Code>InternalError</Code><Message>We encountered an internal error. ' +
        'Please try again.</Message></Error>');
    }
    return null;
  }

  // Sees s3rver's successful answers: counts the uploads initiated and completed, logs each part.
  function observe(method, rawPath, query, status, answerBody, bodyLength) {
    if (status < 200 || status > 299) return;
    const has = (name) => query.some(([k]) => k === name);
    const { key } = splitPath(rawPath, decode);
    if (method === 'PUT' && has('partNumber') && has('uploadId')) {
      log({ at: 'info', msg: 'multipart', event: 'part', upload_id: (query.find(([k]) => k === 'uploadId') || [])[1],
        key, part: (query.find(([k]) => k === 'partNumber') || [])[1], bytes: bodyLength });
    } else if (method !== 'POST') {
      return;
    } else if (has('uploads')) {
      const m = /<UploadId>([^<]*)<\/UploadId>/.exec(answerBody.toString('utf8'));
      event('initiated', { upload_id: m ? m[1] : '?', key });
    } else if (has('uploadId')) {
      event('completed', { upload_id: (query.find(([k]) => k === 'uploadId') || [])[1], key });
    }
  }

  return { answer, observe };
}

module.exports = { createMultipart };
