#!/usr/bin/env node
// Usage: node upload_flow.js BASE_URL FILE NAME
// Opens BASE_URL/, uploads FILE under NAME with the form, waits for the success flash, follows its
// word-cloud link and waits (TIMEOUT_MS, default 30 s) for the cloud. Prints one JSON line
// {"slug": ..., "words": [...drawn words...]} on stdout. Exit 1 (reason on stderr) on a form
// error, a failed count, a timeout, or any console error / CSP violation. $SCREENSHOT: a path
// prefix; writes PREFIX-index.png and PREFIX-cloud.png.
'use strict';

const { launch, openPage, fail, timeoutMs } = require('./lib');

async function main() {
  const [base, file, name] = process.argv.slice(2);
  if (!base || !file || name === undefined) fail('usage: upload_flow.js BASE_URL FILE NAME');
  const root = base.replace(/\/$/, '');
  const shot = process.env.SCREENSHOT;

  const browser = await launch();
  try {
    const { page, problems } = await openPage(browser);
    const response = await page.goto(root + '/', { waitUntil: 'load' });
    if (!response || response.status() !== 200) fail(root + '/ answered ' + (response && response.status()));

    await page.fill('#upload-form input[name="document-name"]', name);
    await page.setInputFiles('#upload-form input[name="input-file"]', file);
    await page.click('#upload-form [type="submit"]');

    try {
      await page.waitForSelector('.flash-success, #form-error, .flash-error', { timeout: timeoutMs() });
    } catch (err) {
      fail('no flash message and no form error within ' + timeoutMs() + ' ms after submitting');
    }
    const error = await page.$('#form-error, .flash-error');
    if (error) fail('the upload was refused: ' + (await error.textContent()).trim());
    if (shot) await page.screenshot({ path: shot + '-index.png', fullPage: true });

    const link = await page.$('.flash-success a[href*="/wordcloud/"]');
    if (!link) fail('the success flash has no link to the word cloud');
    const href = await link.getAttribute('href');
    const slug = decodeURIComponent(href.split('/wordcloud/')[1] || '');
    await Promise.all([page.waitForURL('**/wordcloud/**', { timeout: timeoutMs() }), link.click()]);

    try {
      await page.waitForSelector('body[data-cloud-done="true"], body[data-cloud-state="failed"]', { timeout: timeoutMs() });
    } catch (err) {
      const state = await page.getAttribute('body', 'data-cloud-state');
      fail('the cloud of "' + slug + '" was not drawn within ' + timeoutMs() + ' ms (data-cloud-state=' + state + ')');
    }
    if ((await page.getAttribute('body', 'data-cloud-state')) === 'failed') {
      fail('the count of "' + slug + '" failed: ' + (await page.textContent('#error-text')));
    }
    const words = await page.$$eval('svg text', (nodes) => nodes.map((n) => n.textContent));
    if (shot) await page.screenshot({ path: shot + '-cloud.png', fullPage: true });
    if (problems.length) fail(problems.join('\n      '));
    process.stdout.write(JSON.stringify({ slug, words }) + '\n');
  } finally {
    await browser.close();
  }
}

main().catch((err) => fail(err.stack || String(err)));
