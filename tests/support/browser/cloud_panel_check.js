#!/usr/bin/env node
// Usage: node cloud_panel_check.js BASE_URL SLUG SCENARIO
// Drives the word-cloud page's control panel in headless Chromium and checks one scenario against
// the document's own ranked words (GET /api/documents/SLUG?top=1000, read in the page):
//   words        ?words=30 draws the top 30, ?words=300 the top 300; out-of-range and junk values
//                fall back (clamped / default) and the URL says so; the number field redraws
//   exclude      clicking the top word leaves it out and the next word comes in (N stays), the URL
//                carries exclude=, a reload keeps it out; Enter on a focused word, the table's
//                button, "Bring back" and typing in the field do the same
//   layout       the same URL draws the identical layout (text, position, rotation, size) in
//                another page; other settings draw another one
//   palette      the palette select recolours with its colours, keeps the layout, lands in the URL
//   orientation  orientation and font selects: horizontal draws no rotated word; the font lands
//                on every word; both land in the URL
//   exports      SVG and PNG downloads follow the settings: the SVG holds exactly the drawn words
//                with their colours and font, the PNG is twice the SVG's size
//   copy         "Copy link" puts the page's URL on the clipboard
//   a11y         every control is labelled; Tab reaches a word of the cloud
//   drawn        prints {"words": [...], "langs": [...], "rotations": [...]} of the default cloud (for the caller)
//   header       prints {"h1", "title", "meta", "rawCf"} once drawn: the name as the page shows it
// Also fails on console errors, uncaught exceptions and CSP violations. Exit 0 = pass, 1 = fail.
'use strict';

const fs = require('fs');
const { launch, openPage, fail, timeoutMs } = require('./lib');

const [base, slug, scenario] = process.argv.slice(2);
if (!base || !slug || !scenario) fail('usage: cloud_panel_check.js BASE_URL SLUG SCENARIO');
const pageUrl = (query) => base.replace(/\/$/, '') + '/wordcloud/' + encodeURIComponent(slug) + (query || '');

function check(condition, message) {
  if (!condition) fail(scenario + ': ' + message);
}

function sameSet(a, b) {
  const sa = new Set(a);
  return sa.size === new Set(b).size && b.every((x) => sa.has(x));
}

function diff(drawn, expected) {
  const d = new Set(drawn);
  const e = new Set(expected);
  return 'missing ' + JSON.stringify(expected.filter((w) => !d.has(w)).slice(0, 10)) +
    ', unexpected ' + JSON.stringify(drawn.filter((w) => !e.has(w)).slice(0, 10));
}

// Waits until the cloud for `query` (as the page writes it: "" for the defaults) is on screen.
async function waitDrawn(page, query) {
  try {
    await page.waitForFunction((q) => document.body.dataset.cloudDone === 'true' && document.body.dataset.cloudQuery === q,
      query, { timeout: timeoutMs() });
  } catch (err) {
    const state = await page.evaluate(() => ({ ...document.body.dataset, url: location.href }));
    fail(scenario + ': the cloud for "' + query + '" was not drawn within ' + timeoutMs() + ' ms: ' + JSON.stringify(state));
  }
}

async function open(page, query, expectedQuery) {
  const response = await page.goto(pageUrl(query), { waitUntil: 'load' });
  check(response && response.status() === 200, pageUrl(query) + ' answered ' + (response && response.status()));
  await waitDrawn(page, expectedQuery === undefined ? query : expectedQuery);
}

async function texts(page) {
  return page.$$eval('#cloud svg text', (nodes) => nodes.map((n) => ({
    text: n.textContent, transform: n.getAttribute('transform'), size: n.getAttribute('font-size'),
    fill: n.getAttribute('fill'), font: n.getAttribute('font-family'),
  })));
}

const words = async (page) => (await texts(page)).map((t) => t.text);
const search = (page) => new URL(page.url()).search;

async function rankedWords(page) {
  return page.evaluate(async (s) => {
    const r = await fetch('/api/documents/' + encodeURIComponent(s) + '?top=1000');
    return Object.keys((await r.json()).word_counts);
  }, slug);
}

async function palettes(page) {
  return page.evaluate(() => window.htutCloudParams.PALETTES);
}

// ---------- scenarios ----------

const scenarios = {
  async words(page) {
    await open(page, '');
    const ranked = await rankedWords(page);
    check(ranked.length >= 300, 'the document has only ' + ranked.length + ' words; the test needs 300');
    for (const n of [30, 300]) {
      await open(page, '?words=' + n);
      const drawn = await words(page);
      check(drawn.length === n, '?words=' + n + ' drew ' + drawn.length + ' words');
      check(sameSet(drawn, ranked.slice(0, n)), '?words=' + n + ' is not the top ' + n + ': ' + diff(drawn, ranked.slice(0, n)));
      check(await page.inputValue('#ctl-words') === String(n), 'the number field does not say ' + n);
      process.stdout.write('ok: ?words=' + n + ' draws the top ' + n + '\n');
    }
    await open(page, '?words=5000', '?words=300');
    check((await words(page)).length === 300 && search(page) === '?words=300', '?words=5000 is not clamped to 300 in the cloud and the URL');
    await open(page, '?words=3', '?words=10');
    check((await words(page)).length === 10 && search(page) === '?words=10', '?words=3 is not clamped to 10');
    await open(page, '?words=lots&palette=nope&font=&exclude=', '');
    check((await words(page)).length === 100 && search(page) === '', 'junk values do not fall back to the defaults: ' + page.url());
    await open(page, '?words=%zz&palette=%E0%A4&orientation=%00', ''); // broken escapes, bad UTF-8, NUL
    check((await words(page)).length === 100 && search(page) === '', 'broken escapes do not fall back to the defaults: ' + page.url());
    process.stdout.write('ok: out-of-range values are clamped, junk falls back to the defaults, the URL follows\n');
    await page.fill('#ctl-words', '50');
    await page.press('#ctl-words', 'Enter');
    await waitDrawn(page, '?words=50');
    const fifty = await words(page);
    check(fifty.length === 50 && sameSet(fifty, ranked.slice(0, 50)) && search(page) === '?words=50', 'the number field did not redraw 50 words');
    process.stdout.write('ok: the number field redraws and updates the URL\n');
  },

  async exclude(page) {
    await open(page, '');
    const ranked = await rankedWords(page);
    const [w0, w1, w2, w3] = ranked;
    const q = (...ws) => '?exclude=' + ws.map(encodeURIComponent).join(',');
    await page.click('#cloud text[data-word="' + w0 + '"]');
    await waitDrawn(page, q(w0));
    let drawn = await words(page);
    check(drawn.length === 100, 'after excluding the top word the cloud has ' + drawn.length + ' words, not 100');
    check(!drawn.includes(w0), 'the clicked word ' + w0 + ' is still drawn');
    check(sameSet(drawn, ranked.slice(1, 101)), 'the cloud is not the next 100 words: ' + diff(drawn, ranked.slice(1, 101)));
    check(search(page) === q(w0), 'the URL does not carry the exclusion: ' + page.url());
    check((await page.$$eval('#excluded-list li span', (n) => n.map((x) => x.textContent))).join() === w0, 'the excluded list does not show ' + w0);
    process.stdout.write('ok: clicking "' + w0 + '" left it out, 100 words still, URL ' + search(page) + '\n');

    await page.reload({ waitUntil: 'load' });
    await waitDrawn(page, q(w0));
    drawn = await words(page);
    check(drawn.length === 100 && !drawn.includes(w0), 'after a reload ' + w0 + ' is back or the count changed');
    process.stdout.write('ok: a reload keeps it out\n');

    // Keyboard: the first word in the tab order is the biggest one left; Enter leaves it out.
    await page.focus('#cloud text[tabindex="0"]');
    check(await page.evaluate(() => document.activeElement.textContent) === w1, 'the first focusable word is not ' + w1);
    await page.keyboard.press('Enter');
    await waitDrawn(page, q(w0, w1));
    drawn = await words(page);
    check(drawn.length === 100 && !drawn.includes(w1), 'Enter did not leave out ' + w1);
    check(await page.evaluate(() => Boolean(document.activeElement.closest('#cloud'))), 'the focus left the cloud after Enter');
    process.stdout.write('ok: Enter on a focused word leaves it out and keeps the focus in the cloud\n');

    // The table's button.
    await page.click('#word-table summary');
    await page.click('#word-table-body button.exclude-word[data-word="' + w2 + '"]');
    await waitDrawn(page, q(w0, w1, w2));
    check(!(await words(page)).includes(w2), 'the table button did not leave out ' + w2);
    process.stdout.write('ok: the table\'s Exclude button works\n');

    // Bring one back.
    await page.click('#excluded-list button.restore-word[data-word="' + w0 + '"]');
    await waitDrawn(page, q(w1, w2));
    drawn = await words(page);
    check(drawn.includes(w0) && drawn.length === 100, '"Bring back" did not bring back ' + w0);
    process.stdout.write('ok: "Bring back" returns a word\n');

    // Typing in the field.
    await page.fill('#ctl-exclude', ' ' + w3 + ' ,');
    await page.press('#ctl-exclude', 'Enter');
    await waitDrawn(page, q(w3));
    drawn = await words(page);
    check(!drawn.includes(w3) && drawn.includes(w1) && drawn.length === 100, 'the exclude field did not apply');
    process.stdout.write('ok: the exclude field applies\n');
  },

  async layout(page, browser) {
    const ranked = await (async () => {
      await open(page, '');
      return rankedWords(page);
    })();
    const query = '?words=60&exclude=' + encodeURIComponent(ranked[1]) + '&orientation=angled&font=serif';
    await open(page, query);
    const first = await texts(page);
    check(first.length === 60, 'the first page drew ' + first.length + ' words');
    const other = await openPage(browser);
    await open(other.page, query);
    const second = await texts(other.page);
    check(JSON.stringify(first) === JSON.stringify(second), 'the same URL drew another layout in another page');
    process.stdout.write('ok: the same URL draws the identical layout in another page (' + first.length + ' words)\n');
    await open(other.page, '');
    const defaults = await texts(other.page);
    await open(page, '');
    check(JSON.stringify(defaults) === JSON.stringify(await texts(page)), 'the default cloud differs between two pages');
    await open(other.page, '?orientation=angled');
    const angled = await texts(other.page);
    check(JSON.stringify(angled.map((t) => t.transform)) !== JSON.stringify(defaults.map((t) => t.transform)),
      'another setting drew the same layout: the comparison would not notice a change');
    process.stdout.write('ok: the default URL too; other settings draw another layout\n');
    if (other.problems.length) fail(other.problems.join('\n'));
  },

  async palette(page) {
    await open(page, '');
    const all = await palettes(page);
    const before = await texts(page);
    check(before.every((t) => all.bold.light.includes(t.fill)), 'the default colours are not the bold palette');
    for (const name of ['okabe-ito', 'mono', 'viridis']) {
      await page.selectOption('#ctl-palette', name);
      await waitDrawn(page, '?palette=' + name);
      const after = await texts(page);
      check(after.every((t) => all[name].light.includes(t.fill)), name + ' did not recolour with its colours: ' + JSON.stringify([...new Set(after.map((t) => t.fill))]));
      check(JSON.stringify(after.map((t) => [t.text, t.transform, t.size])) === JSON.stringify(before.map((t) => [t.text, t.transform, t.size])),
        name + ' moved the words');
      check(search(page) === '?palette=' + name, 'the URL does not say palette=' + name);
      process.stdout.write('ok: palette ' + name + ' recolours (' + new Set(after.map((t) => t.fill)).size + ' colours), keeps the layout, URL ' + search(page) + '\n');
    }
    await page.reload({ waitUntil: 'load' });
    await waitDrawn(page, '?palette=viridis');
    check(await page.inputValue('#ctl-palette') === 'viridis', 'after a reload the select does not show viridis');
    check((await texts(page)).every((t) => all.viridis.light.includes(t.fill)), 'after a reload the colours are not viridis');
    process.stdout.write('ok: a reload keeps the palette\n');
  },

  async orientation(page) {
    await open(page, '');
    const rotated = (list) => list.filter((t) => !/rotate\(0\)$/.test(t.transform)).length;
    check(rotated(await texts(page)) > 0, 'the default (mixed) cloud has no rotated word');
    await page.selectOption('#ctl-orientation', 'horizontal');
    await waitDrawn(page, '?orientation=horizontal');
    const flat = await texts(page);
    check(flat.length === 100 && rotated(flat) === 0, 'horizontal still draws ' + rotated(flat) + ' rotated words');
    process.stdout.write('ok: orientation=horizontal draws every word across\n');
    const stacks = await page.evaluate(() => window.htutCloudParams.FONTS);
    await page.selectOption('#ctl-font', 'mono');
    await waitDrawn(page, '?orientation=horizontal&font=mono');
    const mono = await texts(page);
    check(mono.length === 100 && mono.every((t) => t.font === stacks.mono.stack), 'font=mono is not on every word');
    await page.reload({ waitUntil: 'load' });
    await waitDrawn(page, '?orientation=horizontal&font=mono');
    check(await page.inputValue('#ctl-font') === 'mono' && await page.inputValue('#ctl-orientation') === 'horizontal', 'a reload lost the selects');
    process.stdout.write('ok: font=mono on every word; both land in the URL and survive a reload\n');
  },

  async exports(page) {
    await open(page, '');
    const ranked = await rankedWords(page);
    const all = await palettes(page);
    const query = '?words=30&exclude=' + encodeURIComponent(ranked[0]) + '&palette=mono&font=serif';
    await open(page, query);
    const drawn = await words(page);
    check(drawn.length === 30 && !drawn.includes(ranked[0]), 'the page did not draw 30 words without ' + ranked[0]);
    const [svg] = await Promise.all([page.waitForEvent('download', { timeout: 10000 }), page.click('#download-svg')]);
    const svgText = fs.readFileSync(await svg.path(), 'utf8');
    const unescape = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
    const exported = [...svgText.matchAll(/<text\b[^>]*>([^<]*)<\/text>/g)].map((m) => unescape(m[1]));
    check(exported.length === 30 && sameSet(exported, drawn), 'the SVG does not hold exactly the drawn words: ' + diff(exported, drawn));
    const fills = [...svgText.matchAll(/<text\b[^>]*\bfill="([^"]+)"/g)].map((m) => m[1]);
    check(fills.length === 30 && fills.every((f) => all.mono.light.includes(f)), 'the SVG is not in the mono palette: ' + JSON.stringify([...new Set(fills)]));
    check(/<text\b[^>]*font-family="Georgia/.test(svgText), 'the SVG does not use the serif font');
    check(!/tabindex/.test(svgText), 'the SVG carries the page\'s tabindex hooks');
    const width = Number((svgText.match(/<svg\b[^>]*\swidth="(\d+)"/) || [])[1]);
    const height = Number((svgText.match(/<svg\b[^>]*\sheight="(\d+)"/) || [])[1]);
    check(width > 0 && height > 0, 'the SVG has no pixel size');
    process.stdout.write('ok: the SVG holds the 30 drawn words, mono colours, serif font, ' + width + 'x' + height + '\n');
    const [png] = await Promise.all([page.waitForEvent('download', { timeout: 10000 }), page.click('#download-png')]);
    const bytes = fs.readFileSync(await png.path());
    check(bytes.subarray(0, 8).toString('hex') === '89504e470d0a1a0a', 'Download PNG did not give a PNG file');
    const pngWidth = bytes.readUInt32BE(16);
    const pngHeight = bytes.readUInt32BE(20);
    check(pngWidth === 2 * width && pngHeight === 2 * height, 'the PNG is ' + pngWidth + 'x' + pngHeight + ', not twice ' + width + 'x' + height);
    process.stdout.write('ok: the PNG is ' + pngWidth + 'x' + pngHeight + ' (2x)\n');
  },

  async copy(page, browser, context) {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(base).origin });
    await open(page, '?words=40&palette=okabe-ito');
    await page.click('#copy-link');
    await page.waitForFunction(() => document.getElementById('copy-status').textContent !== '', null, { timeout: 10000 });
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    check(copied === page.url(), 'the clipboard holds ' + JSON.stringify(copied) + ', not ' + page.url());
    check(copied.endsWith('?words=40&palette=okabe-ito'), 'the copied link lost the settings: ' + copied);
    process.stdout.write('ok: "Copy link" copied ' + copied + '\n');
  },

  async a11y(page) {
    await open(page, '');
    const unlabelled = await page.$$eval('#cloud-controls input, #cloud-controls select',
      (nodes) => nodes.filter((n) => !n.labels || n.labels.length === 0 || !n.labels[0].textContent.trim()).map((n) => n.name));
    check(unlabelled.length === 0, 'controls without a label: ' + unlabelled.join(', '));
    const names = await page.$$eval('#cloud-controls [name]', (nodes) => nodes.map((n) => n.name).sort());
    check(JSON.stringify(names) === JSON.stringify(['exclude', 'font', 'orientation', 'palette', 'words']), 'control names: ' + names);
    const focusable = await page.$$eval('#cloud text', (nodes) => nodes.filter((n) => n.getAttribute('tabindex') === '0').length);
    check(focusable === 1, focusable + ' words are in the tab order (one, then arrow keys)');
    let reached = false;
    for (let i = 0; i < 40 && !reached; i += 1) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => Boolean(document.activeElement && document.activeElement.closest('#cloud')));
    }
    check(reached, 'Tab never reached a word of the cloud');
    const first = await page.evaluate(() => document.activeElement.textContent);
    await page.keyboard.press('ArrowRight');
    const second = await page.evaluate(() => document.activeElement.textContent);
    check(first !== second && await page.evaluate(() => Boolean(document.activeElement.closest('#cloud'))), 'ArrowRight did not move to the next word');
    process.stdout.write('ok: controls labelled and named as their URL parameters; Tab reaches the cloud, arrows move\n');
  },

  async header(page) {
    await open(page, '');
    process.stdout.write(JSON.stringify(await page.evaluate(() => ({
      h1: document.getElementById('doc-name').textContent, title: document.title,
      meta: document.getElementById('doc-meta').textContent,
      rawCf: /\p{Cf}/u.test(document.body.innerText + document.title),
    }))) + '\n');
  },

  async drawn(page) {
    await open(page, '');
    const list = await texts(page);
    const langs = await page.$$eval('#cloud svg text', (nodes) => nodes.map((n) => n.getAttribute('lang') || ''));
    process.stdout.write(JSON.stringify({ words: list.map((t) => t.text), langs,
      rotations: list.map((t) => Number((t.transform.match(/rotate\((-?[\d.]+)\)/) || [])[1])) }) + '\n');
  },
};

async function main() {
  const run = scenarios[scenario];
  if (!run) fail('unknown scenario ' + scenario + ' (one of ' + Object.keys(scenarios).join(', ') + ')');
  const browser = await launch();
  try {
    const { context, page, problems } = await openPage(browser);
    await run(page, browser, context);
    if (problems.length) fail(problems.join('\n      '));
    process.stdout.write('PASS: ' + scenario + '\n');
  } finally {
    await browser.close();
  }
}

main().catch((err) => fail(err.stack || String(err)));
