#!/usr/bin/env node
// Usage: node wordcloud_check.js BASE_URL SLUG EXPECTED_WORDS_JSON
//   EXPECTED_WORDS_JSON: a JSON array of words, an object whose keys are the words (word_counts),
//   an object with a word_counts member (a document JSON), or @FILE to read the JSON from a file.
// Opens BASE_URL/wordcloud/SLUG, waits (TIMEOUT_MS, default 30 s) for body[data-cloud-done],
// checks every expected word is an svg <text>, that "Download SVG"/"Download PNG" give an SVG
// with those words and a PNG, and that there were no console errors or CSP violations. Screenshot to $SCREENSHOT when set. BLOCK_EVENTS=1 makes the SSE endpoint fail, to
// check the polling fallback. Exit 0 = pass, 1 = fail (reason on stderr).
'use strict';

const fs = require('fs');
const { launch, openPage, fail, timeoutMs } = require('./lib');

function expectedWords(arg) {
  const text = arg.startsWith('@') ? fs.readFileSync(arg.slice(1), 'utf8') : arg;
  const value = JSON.parse(text);
  if (Array.isArray(value)) return value.map(String);
  // A whole document JSON (or a word-count oracle's output): its word_counts' keys.
  if (value && typeof value.word_counts === 'object' && value.word_counts !== null) return Object.keys(value.word_counts);
  return Object.keys(value);
}

// "Download SVG" must give an SVG holding every drawn word; "Download PNG" a PNG image.
async function checkDownloads(page, drawn) {
  const [svg] = await Promise.all([page.waitForEvent('download', { timeout: 10000 }), page.click('#download-svg')]);
  const svgText = fs.readFileSync(await svg.path(), 'utf8');
  if (!svg.suggestedFilename().endsWith('.svg') || !svgText.includes('<svg')) fail('Download SVG did not give an SVG file');
  const lost = drawn.filter((w) => !svgText.includes('>' + w.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;') + '<'));
  if (lost.length) fail('the downloaded SVG lacks ' + JSON.stringify(lost.slice(0, 10)));
  const [png] = await Promise.all([page.waitForEvent('download', { timeout: 10000 }), page.click('#download-png')]);
  const head = fs.readFileSync(await png.path()).subarray(0, 8).toString('hex');
  if (!png.suggestedFilename().endsWith('.png') || head !== '89504e470d0a1a0a') fail('Download PNG did not give a PNG file');
}

async function main() {
  const [base, slug, expectedArg] = process.argv.slice(2);
  if (!base || !slug || expectedArg === undefined) fail('usage: wordcloud_check.js BASE_URL SLUG EXPECTED_WORDS_JSON');
  let expected;
  try {
    expected = expectedWords(expectedArg);
  } catch (err) {
    fail('EXPECTED_WORDS_JSON is not JSON: ' + err.message);
  }

  const browser = await launch();
  try {
    const { page, problems } = await openPage(browser);
    const blockEvents = process.env.BLOCK_EVENTS === '1';
    if (blockEvents) await page.route('**/events', (route) => route.abort());
    const url = base.replace(/\/$/, '') + '/wordcloud/' + encodeURIComponent(slug);
    const response = await page.goto(url, { waitUntil: 'load' });
    if (!response || response.status() !== 200) fail(url + ' answered ' + (response && response.status()));
    const stateAtLoad = await page.getAttribute('body', 'data-cloud-state');

    try {
      await page.waitForSelector('body[data-cloud-done="true"], body[data-cloud-state="failed"]', { timeout: timeoutMs() });
    } catch (err) {
      const state = await page.getAttribute('body', 'data-cloud-state');
      fail('the cloud was not drawn within ' + timeoutMs() + ' ms (data-cloud-state=' + state + ')');
    }
    const state = await page.getAttribute('body', 'data-cloud-state');
    if (state === 'failed') fail('the page shows a failed count: ' + (await page.textContent('#error-text')));

    const drawn = await page.$$eval('svg text', (nodes) => nodes.map((n) => n.textContent));
    if (process.env.SCREENSHOT) await page.screenshot({ path: process.env.SCREENSHOT, fullPage: true });
    const present = new Set(drawn);
    const missing = expected.filter((w) => !present.has(w));
    if (missing.length) fail(missing.length + ' of ' + expected.length + ' expected words are not in the cloud: ' + JSON.stringify(missing.slice(0, 20)));
    await checkDownloads(page, drawn);
    // The blocked stream's own "failed to load" line is expected then.
    const real = blockEvents ? problems.filter((p) => !/ERR_FAILED/.test(p)) : problems;
    if (real.length) fail(real.join('\n      '));
    process.stdout.write('PASS: ' + drawn.length + ' words drawn, all ' + expected.length + ' expected words present (state at load: ' + stateAtLoad + ')\n');
  } finally {
    await browser.close();
  }
}

main().catch((err) => fail(err.stack || String(err)));
