// The word-cloud page: loads the document's JSON, follows its status live (Server-Sent Events,
// polling as the fallback) and draws the cloud with d3-cloud once the count is done. The control
// panel shapes the cloud; the settings live in the URL only (cloud_params.js parses and writes
// them), so a copied link draws the same cloud with the same layout.
// Tests wait on body[data-cloud-state] (pending|done|failed: the count's status),
// body[data-cloud-done="true"] (the cloud, or the "no words" note, is on screen) and
// body[data-cloud-query] (the settings of what is on screen, as toQuery writes them).
(function () {
  'use strict';

  const P = window.htutCloudParams;
  const slug = document.documentElement.dataset.slug || '';
  const apiUrl = '/api/documents/' + encodeURIComponent(slug);
  const $ = (id) => document.getElementById(id);

  const FONT_WEIGHT = '700';
  // Landscape area on wide screens, portrait on phones, so the words stay readable when scaled.
  const NARROW = window.matchMedia && window.matchMedia('(max-width: 600px)').matches;
  const WIDTH = NARROW ? 540 : 960;
  const HEIGHT = NARROW ? 720 : 600;
  const MAX_ATTEMPTS = 8; // d3-cloud drops words that do not fit: retry with smaller fonts
  const POLL_MS = 1500;

  const numberFormat = new Intl.NumberFormat();
  const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'long', timeStyle: 'short' });
  const reveal = P.revealFormatCharacters; // user data shown as text, format characters made visible

  let current = null; // the newest document JSON seen
  let ranked = null; // the document's top words, [{text, count}], once the count is done
  let documentLang = ''; // 'ja' or 'zh' when the words say so (cloud_params.js, documentLanguage)
  let settings = P.parse(location.search);
  let drawn = null; // {words, placed, seed, query} of the cloud on screen
  let drawId = 0; // bumped by every new drawing; an older one stops when it sees the change
  let stopLayout = null;
  let focusAfterDraw = null; // a word's position to focus once redrawn (keyboard exclusion)
  let events = null;
  let pollTimer = null;
  let pendingTicker = null;

  const isFinal = (doc) => doc && (doc.status === 'done' || doc.status === 'failed');

  function setState(state) {
    document.body.dataset.cloudState = state;
  }

  // ---------- page text ----------

  function renderHeader(doc) {
    if (doc.document_name) {
      $('doc-name').textContent = reveal(doc.document_name);
      document.title = reveal(doc.document_name) + ' · word cloud · htut';
    }
    const meta = $('doc-meta');
    meta.replaceChildren();
    const when = new Date(doc.time_uploaded);
    if (!Number.isNaN(when.getTime())) {
      meta.append('Uploaded ');
      const time = document.createElement('time');
      time.dateTime = doc.time_uploaded;
      time.textContent = dateFormat.format(when);
      meta.append(time);
    }
    if (doc.file_url) {
      if (meta.childNodes.length) meta.append(' · ');
      const link = document.createElement('a');
      link.href = doc.file_url;
      link.textContent = doc.filename ? 'View “' + reveal(doc.filename) + '”' : 'View the file';
      meta.append(link);
    }
  }

  function renderStats(doc, shown) {
    $('stats').hidden = false;
    // Documents counted by the heroku-tut app have no totals (null): unknown.
    const total = (n) => (n === null || n === undefined ? 'not recorded' : numberFormat.format(n));
    $('stat-total').textContent = total(doc.total_words);
    $('stat-distinct').textContent = total(doc.distinct_words);
    $('stat-shown').textContent = numberFormat.format(shown);
  }

  function showStatus(text, busy, hint) {
    $('status-panel').hidden = false;
    $('status-text').textContent = text;
    $('status-spinner').hidden = !busy;
    $('status-progress').hidden = !busy;
    $('status-hint').hidden = !hint;
  }

  function showPending() {
    setState('pending');
    const started = Date.now();
    const tick = () => {
      const seconds = Math.floor((Date.now() - started) / 1000);
      showStatus(seconds < 2 ? 'Counting words…' : 'Counting words… ' + seconds + ' s', true, true);
    };
    tick();
    if (!pendingTicker) pendingTicker = setInterval(tick, 1000);
  }

  function stopTicker() {
    clearInterval(pendingTicker);
    pendingTicker = null;
  }

  function showFailed(message) {
    stopTicker();
    setState('failed');
    $('status-panel').hidden = true;
    $('error-text').textContent = reveal(message);
    $('error-panel').hidden = false;
  }

  function announce(text) {
    $('cloud-announce').textContent = text;
  }

  // ---------- status updates: SSE first, polling as the fallback ----------

  function render(doc) {
    current = doc;
    renderHeader(doc);
    if (doc.status === 'done') {
      stopTicker();
      setState('done');
      if (!ranked) startDrawing(doc);
    } else if (doc.status === 'failed') {
      showFailed(doc.error || 'The word count failed for an unknown reason.');
    } else {
      showPending();
    }
  }

  function subscribe() {
    if (typeof EventSource === 'undefined') return poll();
    events = new EventSource(apiUrl + '/events');
    events.addEventListener('document', (e) => {
      let doc;
      try {
        doc = JSON.parse(e.data);
      } catch (err) {
        return;
      }
      render(doc);
      // The server ends the stream after a final status; closing first stops EventSource reconnecting.
      if (isFinal(doc)) stopEvents();
    });
    events.addEventListener('error', () => {
      stopEvents();
      if (!isFinal(current)) poll();
    });
  }

  function stopEvents() {
    if (events) events.close();
    events = null;
  }

  function poll() {
    clearTimeout(pollTimer);
    pollTimer = setTimeout(async () => {
      try {
        render(await fetchDocument());
      } catch (err) {
        /* transient: try again on the next tick */
      }
      if (!isFinal(current)) poll();
    }, POLL_MS);
  }

  // Every word the worker kept (?top=1000), so excluding words and asking for more never reloads.
  async function fetchDocument() {
    const response = await fetch(apiUrl + '?top=' + P.FETCH_TOP, { headers: { Accept: 'application/json' }, cache: 'no-store' });
    if (!response.ok) {
      let message = 'HTTP ' + response.status;
      try {
        message = (await response.json()).error || message;
      } catch (err) {
        /* not JSON */
      }
      const error = new Error(message);
      error.status = response.status;
      throw error;
    }
    return response.json();
  }

  // ---------- the words ----------

  // word_counts is in rank order, but JSON objects put integer-like keys first, so sort by count
  // (stable, so ties keep the server's order).
  function wordList(doc) {
    return Object.entries(doc.word_counts || {})
      .map(([text, count]) => ({ text, count: Number(count) }))
      .filter((w) => w.text && w.count > 0)
      .sort((a, b) => b.count - a.count);
  }

  // The event stream carries the default top 100: fetch the rest before drawing.
  async function startDrawing(doc) {
    ranked = [];
    let full = doc;
    const have = Object.keys(doc.word_counts || {}).length;
    if (have < Math.min(P.FETCH_TOP, doc.distinct_words || 0)) {
      try {
        full = await fetchDocument();
      } catch (err) {
        /* draw what the event said */
      }
    }
    ranked = wordList(full);
    documentLang = P.documentLanguage(ranked.map((w) => w.text));
    renderStats(full, 0);
    initControls();
    await drawCloud({ announceText: '' });
  }

  // ---------- the cloud ----------

  function layout(words, shrink, seed, id) {
    const random = P.mulberry32(seed);
    const counts = words.map((w) => w.count);
    const maxFont = Math.min(110, Math.max(28, (NARROW ? 560 : 760) / Math.sqrt(words.length))) * shrink;
    const minFont = Math.max(9 * Math.sqrt(shrink), maxFont / 7);
    const min = d3.min(counts);
    const max = d3.max(counts);
    // Starting the domain at min/2 keeps near-equal counts near-equal in size, while a long tail
    // still spreads over the whole font range.
    const size = min === max ? () => (minFont + maxFont) / 2 : d3.scaleSqrt().domain([min / 2, max]).range([minFont, maxFont]);
    return new Promise((resolve) => {
      if (id !== drawId) return resolve(null);
      const cloud = d3.layout
        .cloud()
        .size([WIDTH, HEIGHT])
        // Fresh objects on every attempt: the layout writes x, y, size into them.
        .words(words.map((w, position) => ({ text: w.text, count: w.count, rank: w.rank, position, size: size(w.count) })))
        .padding(2)
        .font(P.fontStack(settings.font))
        .fontWeight(FONT_WEIGHT)
        .fontSize((d) => d.size)
        .rotate((d) => P.rotation(settings.orientation, random, d.text))
        .random(random)
        .timeInterval(12) // yield to the page between words
        .on('end', (placed, bounds) => {
          stopLayout = null;
          resolve({ placed, bounds });
        });
      stopLayout = () => {
        cloud.stop();
        stopLayout = null;
        resolve(null);
      };
      cloud.start();
    });
  }

  // Null when a newer drawing took over.
  async function layoutAll(words, seed, id) {
    let best = { placed: [], bounds: null };
    let shrink = 1;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const result = await layout(words, shrink, seed, id);
      if (!result || id !== drawId) return null;
      document.body.dataset.cloudAttempts = String(attempt + 1); // for tests and curious readers
      if (result.placed.length > best.placed.length) best = result;
      if (result.placed.length === words.length) break;
      shrink *= 0.82;
    }
    return best;
  }

  const isDark = () => Boolean(window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches);

  function cloudBackground() {
    const colour = getComputedStyle(document.documentElement).getPropertyValue('--surface').trim();
    return colour || '#ffffff';
  }

  function wordLabel(d) {
    return reveal(d.text) + ': ' + numberFormat.format(d.count);
  }

  function renderSvg(result, count) {
    const { placed, bounds } = result;
    // Crop the view box to what was drawn, with a margin, so the cloud fills the width.
    const margin = 16;
    const x0 = bounds ? bounds[0].x - WIDTH / 2 - margin : -WIDTH / 2;
    const y0 = bounds ? bounds[0].y - HEIGHT / 2 - margin : -HEIGHT / 2;
    const w = bounds ? bounds[1].x - bounds[0].x + 2 * margin : WIDTH;
    const h = bounds ? bounds[1].y - bounds[0].y + 2 * margin : HEIGHT;
    const name = current && current.document_name ? reveal(current.document_name) : slug;

    const container = d3.select('#cloud');
    container.selectAll('*').remove();
    const svg = container
      .append('svg')
      .attr('xmlns', 'http://www.w3.org/2000/svg')
      .attr('viewBox', [x0, y0, w, h].map(Math.round).join(' '))
      .attr('width', '100%')
      .attr('preserveAspectRatio', 'xMidYMid meet')
      .attr('role', 'group')
      .attr('aria-label', 'Word cloud of the ' + placed.length + ' most frequent words in ' + name +
        '. Arrow keys move between words; Enter leaves the focused word out.');
    svg
      .append('rect')
      .attr('class', 'cloud-bg')
      .attr('x', Math.round(x0))
      .attr('y', Math.round(y0))
      .attr('width', Math.round(w))
      .attr('height', Math.round(h))
      .attr('fill', cloudBackground());

    // In rank order, so the keyboard walks from the biggest word down.
    const byRank = placed.slice().sort((a, b) => a.position - b.position);
    const words = svg.append('g').selectAll('g').data(byRank).join('g').attr('class', 'word');
    // <title> sits beside <text>, not inside it, so each text's content is exactly the word.
    words.append('title').text(wordLabel);
    words
      .append('text')
      .attr('text-anchor', 'middle')
      .attr('transform', (d) => 'translate(' + d.x + ',' + d.y + ') rotate(' + d.rotate + ')')
      .attr('font-family', P.fontStack(settings.font))
      .attr('font-weight', FONT_WEIGHT)
      .attr('font-size', (d) => d.size)
      .attr('fill', (d) => P.colour(settings.palette, isDark(), d.position, count))
      .attr('data-count', (d) => d.count)
      .attr('data-word', (d) => d.text)
      .attr('lang', (d) => P.wordLanguage(d.text, documentLang) || null)
      .attr('tabindex', (d, i) => (i === 0 ? 0 : -1))
      .attr('role', 'button')
      .attr('aria-label', (d) => wordLabel(d) + '. Press Enter to leave it out.')
      .text((d) => reveal(d.text));
  }

  // Only the colours change: the layout stays (the palette is not part of the seed).
  function recolour() {
    if (!drawn) return;
    const count = drawn.words.length;
    d3.selectAll('#cloud text').attr('fill', (d) => P.colour(settings.palette, isDark(), d.position, count));
    drawn.query = P.toQuery(settings);
    document.body.dataset.cloudQuery = drawn.query;
  }

  function excludeButton(word, label) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'link-button';
    button.textContent = label;
    button.dataset.word = word;
    return button;
  }

  // The accessible view of the cloud: the words drawn (or meant to be), in rank order.
  function renderTable(words) {
    const rows = words.map((w) => {
      const tr = document.createElement('tr');
      const cells = [String(w.rank + 1), reveal(w.text), numberFormat.format(w.count)];
      cells.forEach((value, c) => {
        const td = document.createElement('td');
        td.textContent = value;
        if (c !== 1) td.className = 'num';
        else if (P.wordLanguage(w.text, documentLang)) td.lang = P.wordLanguage(w.text, documentLang);
        tr.appendChild(td);
      });
      const action = document.createElement('td');
      const button = excludeButton(w.text, 'Exclude');
      button.setAttribute('aria-label', 'Exclude “' + reveal(w.text) + '”');
      button.classList.add('exclude-word');
      action.appendChild(button);
      tr.appendChild(action);
      return tr;
    });
    $('word-table-body').replaceChildren(...rows);
    $('word-table-note').textContent = settings.exclude.length
      ? settings.exclude.length + ' excluded ' + (settings.exclude.length === 1 ? 'word is' : 'words are') + ' left out; # is the rank in the document.'
      : '';
    $('word-table').hidden = words.length === 0;
  }

  function renderExcluded() {
    const items = settings.exclude.map((word) => {
      const li = document.createElement('li');
      const text = document.createElement('span');
      text.textContent = reveal(word);
      const button = excludeButton(word, 'Bring back');
      button.setAttribute('aria-label', 'Bring back “' + reveal(word) + '”');
      button.classList.add('restore-word');
      li.append(text, ' ', button);
      return li;
    });
    $('excluded-list').replaceChildren(...items);
    $('excluded-list').hidden = items.length === 0;
  }

  function finishDrawing() {
    document.body.dataset.cloudDone = 'true';
  }

  async function drawCloud({ announceText }) {
    drawId += 1;
    const id = drawId;
    if (stopLayout) stopLayout();
    document.body.dataset.cloudDone = 'false';
    const words = P.pickWords(ranked, settings);
    let query = P.toQuery(settings);
    renderTable(words);
    renderExcluded();
    if (words.length === 0) {
      drawn = { words, placed: [], query };
      $('cloud').replaceChildren();
      $('cloud-figure').hidden = true;
      showStatus(ranked.length ? 'Every word is excluded: bring some back below.' : 'This file has no words to draw.', false);
      renderStats(current, 0);
      $('cloud-controls').hidden = ranked.length === 0;
      document.body.dataset.cloudQuery = query;
      finishDrawing();
      return;
    }
    if (!drawn) showStatus('Drawing the cloud…', true);
    $('cloud').setAttribute('aria-busy', 'true');
    if (document.fonts && document.fonts.ready) await document.fonts.ready; // measure with the real font
    const seed = P.layoutSeed(slug, settings);
    const result = await layoutAll(words, seed, id);
    if (!result) return; // a newer drawing took over
    query = P.toQuery(settings); // the palette may have changed meanwhile (it does not restart the layout)
    drawn = { words, placed: result.placed, seed, query };
    renderSvg(result, words.length);
    $('cloud').removeAttribute('aria-busy');
    renderStats(current, result.placed.length);
    const missing = words.length - result.placed.length;
    const excluded = settings.exclude.length;
    $('cloud-caption').textContent =
      'The ' + result.placed.length + ' most frequent words' + (excluded ? ' (' + excluded + ' left out)' : '') +
      ', sized by count. Hover a word to see its count; click it to leave it out.' +
      (missing > 0 ? ' ' + missing + ' smaller words did not fit.' : '');
    $('status-panel').hidden = true;
    $('cloud-figure').hidden = false;
    $('actions').hidden = false;
    $('cloud-controls').hidden = false;
    document.body.dataset.cloudQuery = query;
    document.body.dataset.cloudRenders = String(Number(document.body.dataset.cloudRenders || 0) + 1);
    if (announceText) announce(announceText + ' The cloud shows ' + result.placed.length + ' words.');
    if (focusAfterDraw !== null) {
      const texts = document.querySelectorAll('#cloud text');
      const target = texts[Math.min(focusAfterDraw, texts.length - 1)];
      focusAfterDraw = null;
      if (target) focusWord(target);
    }
    finishDrawing();
  }

  // ---------- settings: the form, the URL, and what changes them ----------

  function fillSelect(select, table, value) {
    select.replaceChildren(...Object.entries(table).map(([name, item]) => new Option(item.label, name)));
    select.value = value;
  }

  function syncForm() {
    const form = $('cloud-controls');
    form.elements.words.value = String(settings.words);
    form.elements.exclude.value = settings.exclude.join(', ');
    form.elements.palette.value = settings.palette;
    form.elements.orientation.value = settings.orientation;
    form.elements.font.value = settings.font;
  }

  function formSettings() {
    const form = $('cloud-controls');
    return P.normalize({
      words: form.elements.words.value,
      exclude: form.elements.exclude.value,
      palette: form.elements.palette.value,
      orientation: form.elements.orientation.value,
      font: form.elements.font.value,
    });
  }

  // The URL says what is on screen; replaceState keeps the back button for real navigation.
  function updateUrl() {
    const url = location.pathname + P.toQuery(settings) + location.hash;
    if (url !== location.pathname + location.search + location.hash) history.replaceState(null, '', url);
  }

  function apply(next, announceText) {
    const before = settings;
    settings = P.normalize(next);
    syncForm();
    updateUrl();
    if (!ranked) return;
    // The same words in the same places: a drawing under way picks up the palette when it
    // renders; one on screen is only recoloured.
    const sameLayout = P.toQuery({ ...before, palette: 'bold' }) === P.toQuery({ ...settings, palette: 'bold' });
    if (sameLayout && stopLayout) return;
    if (sameLayout && drawn && drawn.placed.length) {
      recolour();
      if (announceText) announce(announceText);
      return;
    }
    drawCloud({ announceText: announceText || '' });
  }

  function excludeWord(word) {
    if (settings.exclude.includes(word)) return;
    apply({ ...settings, exclude: [...settings.exclude, word] }, 'Left out “' + reveal(word) + '”.');
  }

  function restoreWord(word) {
    apply({ ...settings, exclude: settings.exclude.filter((w) => w !== word) }, 'Brought back “' + reveal(word) + '”.');
  }

  function focusWord(text) {
    document.querySelectorAll('#cloud text[tabindex="0"]').forEach((t) => t.setAttribute('tabindex', '-1'));
    text.setAttribute('tabindex', '0');
    text.focus();
  }

  function onCloudKey(e) {
    const text = e.target.closest && e.target.closest('#cloud text');
    if (!text) return;
    const texts = Array.from(document.querySelectorAll('#cloud text'));
    const at = texts.indexOf(text);
    let next = null;
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') next = texts[Math.min(at + 1, texts.length - 1)];
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') next = texts[Math.max(at - 1, 0)];
    else if (e.key === 'Home') next = texts[0];
    else if (e.key === 'End') next = texts[texts.length - 1];
    else if (e.key === 'Enter' || e.key === ' ' || e.key === 'Delete') {
      e.preventDefault();
      focusAfterDraw = at;
      excludeWord(text.dataset.word);
      return;
    }
    if (next) {
      e.preventDefault();
      focusWord(next);
    }
  }

  function initControls() {
    const form = $('cloud-controls');
    fillSelect(form.elements.palette, P.PALETTES, settings.palette);
    fillSelect(form.elements.orientation, P.ORIENTATIONS, settings.orientation);
    fillSelect(form.elements.font, P.FONTS, settings.font);
    syncForm();
    updateUrl(); // a bad value in the link is dropped from the URL: it shows the default
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      apply(formSettings());
    });
    form.addEventListener('change', (e) => {
      if (e.target.name) apply(formSettings());
    });
    $('ctl-reset').addEventListener('click', () => apply(P.DEFAULTS, 'Back to the default cloud.'));
    $('excluded-list').addEventListener('click', (e) => {
      const button = e.target.closest('button.restore-word');
      if (button) restoreWord(button.dataset.word);
    });
    $('word-table-body').addEventListener('click', (e) => {
      const button = e.target.closest('button.exclude-word');
      if (button) excludeWord(button.dataset.word);
    });
    $('cloud').addEventListener('click', (e) => {
      const text = e.target.closest && e.target.closest('#cloud text');
      if (text) excludeWord(text.dataset.word);
    });
    $('cloud').addEventListener('keydown', onCloudKey);
  }

  // ---------- copy link and downloads ----------

  async function copyLink() {
    const url = location.href;
    const done = (text) => {
      $('copy-status').textContent = text;
    };
    try {
      await navigator.clipboard.writeText(url);
      return done('Link copied.');
    } catch (err) {
      /* no clipboard API or no permission: the old way */
    }
    const field = document.createElement('textarea');
    field.value = url;
    field.readOnly = true;
    field.className = 'visually-hidden';
    document.body.appendChild(field);
    field.select();
    let ok = false;
    try {
      ok = document.execCommand('copy');
    } catch (err) {
      ok = false;
    }
    field.remove();
    done(ok ? 'Link copied.' : 'Copy this link: ' + url);
  }

  function fileStem() {
    return (slug || 'wordcloud') + '-wordcloud';
  }

  function svgBlob() {
    const svg = document.querySelector('#cloud svg');
    const copy = svg.cloneNode(true);
    const box = svg.viewBox.baseVal;
    copy.setAttribute('width', String(Math.round(box.width)));
    copy.setAttribute('height', String(Math.round(box.height)));
    copy.removeAttribute('preserveAspectRatio');
    // The page's interaction hooks mean nothing in a file.
    copy.querySelectorAll('text').forEach((t) => ['tabindex', 'role', 'aria-label'].forEach((a) => t.removeAttribute(a)));
    const text = '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(copy);
    return { blob: new Blob([text], { type: 'image/svg+xml;charset=utf-8' }), width: Math.round(box.width), height: Math.round(box.height) };
  }

  function download(blob, filename) {
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = filename;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  function downloadSvg() {
    if (document.querySelector('#cloud svg')) download(svgBlob().blob, fileStem() + '.svg');
  }

  function downloadPng() {
    if (!document.querySelector('#cloud svg')) return;
    const { blob, width, height } = svgBlob();
    const url = URL.createObjectURL(blob);
    const image = new Image();
    image.onload = () => {
      const scale = 2; // twice the cloud's size: crisp on high-density screens and in print
      const canvas = document.createElement('canvas');
      canvas.width = width * scale;
      canvas.height = height * scale;
      const ctx = canvas.getContext('2d');
      ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
      URL.revokeObjectURL(url);
      canvas.toBlob((png) => {
        if (png) download(png, fileStem() + '.png');
      }, 'image/png');
    };
    image.onerror = () => URL.revokeObjectURL(url);
    image.src = url;
  }

  // ---------- start ----------

  async function start() {
    $('download-svg').addEventListener('click', downloadSvg);
    $('download-png').addEventListener('click', downloadPng);
    $('copy-link').addEventListener('click', copyLink);
    showStatus('Loading…', true);
    try {
      const doc = await fetchDocument();
      render(doc);
      if (!isFinal(doc)) subscribe();
    } catch (err) {
      if (err.status === 404) {
        showFailed('No document called “' + slug + '” exists.');
        return;
      }
      showStatus('Could not load the document (' + err.message + '); retrying…', true);
      poll();
    }
  }

  // Exposed for tests and the console: what was actually drawn, and with which settings.
  window.htutCloud = {
    words: () => (drawn ? drawn.placed.map((d) => d.text) : []),
    settings: () => P.normalize(settings),
  };

  start();
})();
