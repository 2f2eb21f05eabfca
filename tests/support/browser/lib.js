// Shared by the browser driver scripts: launch Chromium the way it works on this machine, and
// record everything that should fail a test (console errors, uncaught exceptions, CSP violations).
'use strict';

const { chromium } = require('playwright-core');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
}

// Opens a page whose problems are collected into the returned list.
async function openPage(browser, viewport) {
  const context = await browser.newContext({ viewport: viewport || { width: 1100, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push('console error: ' + msg.text());
  });
  page.on('pageerror', (err) => problems.push('uncaught exception: ' + err.message));
  // CSP violations also show as console errors; this catches them even if that ever changes.
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline'));
    });
  });
  return { context, page, problems };
}

function fail(message) {
  process.stderr.write('FAIL: ' + message + '\n');
  process.exit(1);
}

function timeoutMs() {
  return Number(process.env.TIMEOUT_MS) || 30000;
}

module.exports = { launch, openPage, fail, timeoutMs };
