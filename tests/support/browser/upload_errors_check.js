#!/usr/bin/env node
// Usage: node upload_errors_check.js BASE_URL FILE
// Checks the index page's form beyond the happy path (FILE: any small text file):
//   1. a file over data-max-upload-bytes is refused in the browser, with a message, before upload;
//   2. a post the server rejects (CSRF token tampered) shows the server's #form-error text and
//      keeps the typed name;
//   3. with JavaScript off, the plain form post still uploads and shows the success flash.
// Exit 0 = all pass, 1 = the first failure (on stderr). No console errors allowed in 1 and 2
// except the rejected post's own 4xx resource line.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { launch, openPage, fail, timeoutMs } = require('./lib');

async function tooBigIsRefused(browser, root) {
  const { page, problems } = await openPage(browser);
  await page.goto(root + '/');
  const max = Number(await page.getAttribute('#upload-form', 'data-max-upload-bytes'));
  if (!Number.isFinite(max) || max <= 0) fail('#upload-form has no usable data-max-upload-bytes');
  let posted = false;
  page.on('request', (r) => {
    if (r.method() === 'POST') posted = true;
  });
  // A sparse file: max+1 bytes without writing them.
  const big = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'htut-big-')), 'big.txt');
  fs.closeSync(fs.openSync(big, 'w'));
  fs.truncateSync(big, max + 1);
  try {
    await page.fill('input[name="document-name"]', 'too big');
    await page.setInputFiles('input[name="input-file"]', big);
    await page.click('#upload-form [type="submit"]');
    await page.waitForSelector('#form-error', { timeout: 5000 }).catch(() => fail('1: no #form-error for a file over the limit'));
    const message = (await page.textContent('#form-error')).trim();
    if (!/largest|too large|limit/i.test(message)) fail('1: unclear message for a too-big file: ' + message);
    if (posted) fail('1: the too-big file was posted to the server anyway');
    if (problems.length) fail('1: ' + problems.join('; '));
    process.stdout.write('PASS 1: too-big file refused in the browser: "' + message + '"\n');
  } finally {
    fs.rmSync(path.dirname(big), { recursive: true, force: true });
  }
}

async function serverErrorIsShown(browser, root, file) {
  const { page, problems } = await openPage(browser);
  await page.goto(root + '/');
  await page.$eval('input[name="csrf_token"]', (input) => { input.value = 'tampered'; });
  await page.fill('input[name="document-name"]', 'csrf test');
  await page.setInputFiles('input[name="input-file"]', file);
  await page.click('#upload-form [type="submit"]');
  await page.waitForSelector('#form-error', { timeout: timeoutMs() }).catch(() => fail('2: no #form-error after a rejected post'));
  const message = (await page.textContent('#form-error')).trim();
  if (!message) fail('2: #form-error is empty');
  if ((await page.inputValue('input[name="document-name"]')) !== 'csrf test') fail('2: the typed name was lost');
  const unexpected = problems.filter((p) => !/status of 4\d\d/.test(p));
  if (unexpected.length) fail('2: ' + unexpected.join('; '));
  process.stdout.write('PASS 2: rejected post shows "' + message + '"\n');
}

async function plainPostWorks(browser, root, file) {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(root + '/');
  await page.fill('input[name="document-name"]', 'no script upload');
  await page.setInputFiles('input[name="input-file"]', file);
  await Promise.all([page.waitForNavigation({ timeout: timeoutMs() }), page.click('#upload-form [type="submit"]')]);
  const flash = await page.$('.flash-success');
  if (!flash) fail('3: no success flash after a plain (no JavaScript) form post; page: ' + page.url());
  if (!(await page.$('.flash-success a[href*="/wordcloud/"]'))) fail('3: the flash has no word-cloud link');
  process.stdout.write('PASS 3: plain form post without JavaScript: "' + (await flash.textContent()).trim() + '"\n');
  await context.close();
}

async function main() {
  const [base, file] = process.argv.slice(2);
  if (!base || !file) fail('usage: upload_errors_check.js BASE_URL FILE');
  const root = base.replace(/\/$/, '');
  const browser = await launch();
  try {
    await tooBigIsRefused(browser, root);
    await serverErrorIsShown(browser, root, file);
    await plainPostWorks(browser, root, file);
  } finally {
    await browser.close();
  }
}

main().catch((err) => fail(err.stack || String(err)));
