// The word-cloud page: loads the document's JSON, follows its status live (Server-Sent Events,
// polling as the fallback) and draws the cloud with d3-cloud once the count is done.
// Tests wait on body[data-cloud-state] (pending|done|failed: the count's status) and
// body[data-cloud-done="true"] (the cloud, or the "no words" note, is on screen).
(function () {
  'use strict';

  const slug = document.documentElement.dataset.slug || '';
  const apiUrl = '/api/documents/' + encodeURIComponent(slug);
  const $ = (id) => document.getElementById(id);

  // The layout measures words on a canvas with this font, and the SVG draws them with the same one.
  const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "DejaVu Sans", Arial, sans-serif';
  const FONT_WEIGHT = '700';
  // Landscape area on wide screens, portrait on phones, so the words stay readable when scaled.
  const NARROW = window.matchMedia && window.matchMedia('(max-width: 600px)').matches;
  const WIDTH = NARROW ? 540 : 960;
  const HEIGHT = NARROW ? 720 : 600;
  const MAX_ATTEMPTS = 6; // d3-cloud drops words that do not fit: retry with smaller fonts
  const POLL_MS = 1500;

  const numberFormat = new Intl.NumberFormat();
  const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'long', timeStyle: 'short' });

  let current = null; // the newest document JSON seen
  let drawStarted = false;
  let events = null;
  let pollTimer = null;
  let pendingTicker = null;
  let placedWords = [];

  const isFinal = (doc) => doc && (doc.status === 'done' || doc.status === 'failed');

  function setState(state) {
    document.body.dataset.cloudState = state;
  }

  // ---------- seeded randomness, so a reload draws the same cloud ----------

  function hashString(text) {
    let h = 0x811c9dc5; // FNV-1a, 32 bit
    for (let i = 0; i < text.length; i += 1) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    return h >>> 0;
  }

  function mulberry32(seed) {
    let a = seed >>> 0;
    return function () {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  // ---------- page text ----------

  function renderHeader(doc) {
    if (doc.document_name) {
      $('doc-name').textContent = doc.document_name;
      document.title = doc.document_name + ' · word cloud · htut';
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
      link.textContent = doc.filename ? 'View “' + doc.filename + '”' : 'View the file';
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

  function showFailed(doc) {
    stopTicker();
    setState('failed');
    $('status-panel').hidden = true;
    $('error-text').textContent = doc.error || 'The word count failed for an unknown reason.';
    $('error-panel').hidden = false;
  }

  // ---------- status updates: SSE first, polling as the fallback ----------

  function render(doc) {
    current = doc;
    renderHeader(doc);
    if (doc.status === 'done') {
      stopTicker();
      setState('done');
      if (!drawStarted) {
        drawStarted = true;
        draw(doc);
      }
    } else if (doc.status === 'failed') {
      showFailed(doc);
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

  async function fetchDocument() {
    const response = await fetch(apiUrl, { headers: { Accept: 'application/json' }, cache: 'no-store' });
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

  // ---------- the cloud ----------

  // word_counts is in rank order, but JSON objects put integer-like keys first, so sort by count
  // (stable, so ties keep the server's order).
  function wordList(doc) {
    return Object.entries(doc.word_counts || {})
      .map(([text, count]) => ({ text, count: Number(count) }))
      .filter((w) => w.text && w.count > 0)
      .sort((a, b) => b.count - a.count);
  }

  function layout(words, shrink) {
    const random = mulberry32(hashString(slug));
    const counts = words.map((w) => w.count);
    const maxFont = Math.min(110, Math.max(28, (NARROW ? 560 : 760) / Math.sqrt(words.length))) * shrink;
    const minFont = Math.max(9, maxFont / 7);
    const min = d3.min(counts);
    const max = d3.max(counts);
    // Starting the domain at min/2 keeps near-equal counts near-equal in size, while a long tail
    // still spreads over the whole font range.
    const size = min === max ? () => (minFont + maxFont) / 2 : d3.scaleSqrt().domain([min / 2, max]).range([minFont, maxFont]);
    return new Promise((resolve) => {
      d3.layout
        .cloud()
        .size([WIDTH, HEIGHT])
        // Fresh objects on every attempt: the layout writes x, y, size into them.
        .words(words.map((w, rank) => ({ text: w.text, count: w.count, rank, size: size(w.count) })))
        .padding(2)
        .font(FONT)
        .fontWeight(FONT_WEIGHT)
        .fontSize((d) => d.size)
        .rotate(() => (random() < 0.72 ? 0 : 90))
        .random(random)
        .timeInterval(12) // yield to the page between words
        .on('end', (placed, bounds) => resolve({ placed, bounds }))
        .start();
    });
  }

  async function layoutAll(words) {
    let best = { placed: [], bounds: null };
    let shrink = 1;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const result = await layout(words, shrink);
      document.body.dataset.cloudAttempts = String(attempt + 1); // for tests and curious readers
      if (result.placed.length > best.placed.length) best = result;
      if (result.placed.length === words.length) break;
      shrink *= 0.82;
    }
    return best;
  }

  function palette() {
    const dark = window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches;
    return dark ? d3.schemeSet2 : d3.schemeDark2;
  }

  function cloudBackground() {
    const colour = getComputedStyle(document.documentElement).getPropertyValue('--surface').trim();
    return colour || '#ffffff';
  }

  function renderSvg(result, doc) {
    const { placed, bounds } = result;
    const colours = palette();
    // Crop the view box to what was drawn, with a margin, so the cloud fills the width.
    const margin = 16;
    const x0 = bounds ? bounds[0].x - WIDTH / 2 - margin : -WIDTH / 2;
    const y0 = bounds ? bounds[0].y - HEIGHT / 2 - margin : -HEIGHT / 2;
    const w = bounds ? bounds[1].x - bounds[0].x + 2 * margin : WIDTH;
    const h = bounds ? bounds[1].y - bounds[0].y + 2 * margin : HEIGHT;

    const container = d3.select('#cloud');
    container.selectAll('*').remove();
    const svg = container
      .append('svg')
      .attr('xmlns', 'http://www.w3.org/2000/svg')
      .attr('viewBox', [x0, y0, w, h].map(Math.round).join(' '))
      .attr('width', '100%')
      .attr('preserveAspectRatio', 'xMidYMid meet')
      .attr('role', 'img')
      .attr('aria-label', 'Word cloud of the ' + placed.length + ' most frequent words in ' + (doc.document_name || slug));
    svg
      .append('rect')
      .attr('class', 'cloud-bg')
      .attr('x', x0)
      .attr('y', y0)
      .attr('width', w)
      .attr('height', h)
      .attr('fill', cloudBackground());

    const words = svg.append('g').selectAll('g').data(placed).join('g').attr('class', 'word');
    // <title> sits beside <text>, not inside it, so each text's content is exactly the word.
    words.append('title').text((d) => d.text + ': ' + numberFormat.format(d.count));
    words
      .append('text')
      .attr('text-anchor', 'middle')
      .attr('transform', (d) => 'translate(' + d.x + ',' + d.y + ') rotate(' + d.rotate + ')')
      .attr('font-family', FONT)
      .attr('font-weight', FONT_WEIGHT)
      .attr('font-size', (d) => d.size)
      .attr('fill', (d) => colours[d.rank % colours.length])
      .attr('data-count', (d) => d.count)
      .text((d) => d.text);
  }

  function renderTable(words) {
    const rows = words.map((w, i) => {
      const tr = document.createElement('tr');
      const cells = [String(i + 1), w.text, numberFormat.format(w.count)];
      cells.forEach((value, c) => {
        const td = document.createElement('td');
        td.textContent = value;
        if (c !== 1) td.className = 'num';
        tr.appendChild(td);
      });
      return tr;
    });
    $('word-table-body').replaceChildren(...rows);
    $('word-table').hidden = words.length === 0;
  }

  async function draw(doc) {
    const words = wordList(doc);
    renderStats(doc, 0);
    renderTable(words);
    if (words.length === 0) {
      showStatus('This file has no words to draw.', false);
      finishDrawing();
      return;
    }
    showStatus('Drawing the cloud…', true);
    if (document.fonts && document.fonts.ready) await document.fonts.ready; // measure with the real font
    const result = await layoutAll(words);
    placedWords = result.placed;
    renderSvg(result, doc);
    renderStats(doc, result.placed.length);
    const missing = words.length - result.placed.length;
    $('cloud-caption').textContent =
      'The ' + result.placed.length + ' most frequent words, sized by count. Hover a word to see its count.' +
      (missing > 0 ? ' ' + missing + ' smaller words did not fit.' : '');
    $('status-panel').hidden = true;
    $('cloud-figure').hidden = false;
    $('actions').hidden = false;
    finishDrawing();
  }

  function finishDrawing() {
    document.body.dataset.cloudDone = 'true';
  }

  // ---------- downloads ----------

  function fileStem() {
    return (slug || 'wordcloud') + '-wordcloud';
  }

  function svgBlob() {
    const svg = document.querySelector('#cloud svg');
    const copy = svg.cloneNode(true);
    const box = svg.viewBox.baseVal;
    copy.setAttribute('width', String(Math.round(box.width)));
    copy.setAttribute('height', String(Math.round(box.height)));
    const text = '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(copy);
    return { blob: new Blob([text], { type: 'image/svg+xml;charset=utf-8' }), width: box.width, height: box.height };
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
    download(svgBlob().blob, fileStem() + '.svg');
  }

  function downloadPng() {
    const { blob, width, height } = svgBlob();
    const url = URL.createObjectURL(blob);
    const image = new Image();
    image.onload = () => {
      const scale = 2; // crisp on high-density screens and in print
      const canvas = document.createElement('canvas');
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
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
    showStatus('Loading…', true);
    try {
      const doc = await fetchDocument();
      render(doc);
      if (!isFinal(doc)) subscribe();
    } catch (err) {
      if (err.status === 404) {
        setState('failed');
        $('status-panel').hidden = true;
        $('error-text').textContent = 'No document called “' + slug + '” exists.';
        $('error-panel').hidden = false;
        return;
      }
      showStatus('Could not load the document (' + err.message + '); retrying…', true);
      poll();
    }
  }

  // Exposed for tests and the console: what was actually drawn.
  window.htutCloud = { words: () => placedWords.map((d) => d.text) };

  start();
})();
