// The index page's progressive enhancement: an upload with a progress bar, an early size check,
// and the "Recent documents" list. Without JavaScript the plain form post does the same job.
(function () {
  'use strict';

  const form = document.getElementById('upload-form');
  const recentList = document.getElementById('recent-list');
  const recentStatus = document.getElementById('recent-status');

  // ---------- small helpers ----------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text; // never innerHTML: names are user data
    return node;
  }

  // Format characters (Unicode Cf, e.g. U+202E RIGHT-TO-LEFT OVERRIDE) are
  // shown escaped as <U+202E>, the way the server renders names.
  function revealFormatCharacters(text) {
    return String(text).replace(/\p{Cf}/gu, (c) =>
      '<U+' + c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0') + '>');
  }

  function formatBytes(n) {
    const units = ['bytes', 'KiB', 'MiB', 'GiB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) {
      n /= 1024;
      i += 1;
    }
    return (i === 0 ? String(n) : n.toFixed(n < 10 ? 1 : 0)) + ' ' + units[i];
  }

  const numberFormat = new Intl.NumberFormat();
  const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

  // ---------- upload ----------

  function showFormError(message) {
    const area = document.getElementById('form-error-area');
    area.replaceChildren();
    if (!message) return;
    // Same element the server builds, so styles and tests see one shape.
    const p = el('p', 'form-error', message);
    p.id = 'form-error';
    p.setAttribute('role', 'alert');
    area.appendChild(p);
  }

  function setProgress(visible, fraction, text) {
    const box = document.getElementById('upload-progress');
    const bar = document.getElementById('upload-progress-bar');
    box.hidden = !visible;
    if (fraction === null) bar.removeAttribute('value'); // indeterminate: waiting for the server
    else bar.value = Math.round(fraction * 100);
    document.getElementById('upload-progress-text').textContent = text || '';
  }

  function setBusy(busy) {
    const button = document.getElementById('upload-button');
    button.disabled = busy;
    form.setAttribute('aria-busy', busy ? 'true' : 'false');
  }

  // Refuses a too-big file as soon as it is chosen, instead of after uploading 100 MiB.
  function fileTooBigMessage(file) {
    const max = Number(form.dataset.maxUploadBytes);
    if (!file || !Number.isFinite(max) || max <= 0 || file.size <= max) return '';
    return '“' + file.name + '” (' + formatBytes(file.size) + ') is over the ' +
      (form.dataset.maxUploadHuman || formatBytes(max)) + ' limit for uploads. Choose a smaller file.';
  }

  // The server answers a failed post with the form page again; its #form-error says why.
  function errorFromResponse(xhr) {
    const doc = xhr.responseXML;
    const found = doc && (doc.getElementById('form-error') || doc.querySelector('.flash-error'));
    if (found && found.textContent.trim()) return found.textContent.trim();
    if (xhr.status === 413) return 'The file is too large; the largest file accepted is ' + form.dataset.maxUploadHuman + '.';
    if (xhr.status === 403) return 'The form expired. Reload the page and try again.';
    if (xhr.status >= 500) return 'The server could not store the file right now (' + xhr.status + '). Please try again in a moment.';
    return 'The upload failed (HTTP ' + xhr.status + ').';
  }

  // After a success the XHR has followed the 303 to "/", whose HTML carries the one-time flash.
  // Moving that flash into this page keeps it (a reload would find it already consumed).
  function showSuccess(xhr) {
    const doc = xhr.responseXML;
    const flash = doc && doc.querySelector('#flash-area .flash, .flash');
    if (!flash) {
      window.location.assign('/');
      return;
    }
    const area = document.getElementById('flash-area');
    area.replaceChildren(document.importNode(flash, true));
    form.reset();
    setProgress(false, 0, '');
    area.scrollIntoView({ block: 'nearest' });
    loadRecent();
  }

  function upload(event) {
    const fileInput = form.elements['input-file'];
    const file = fileInput.files && fileInput.files[0];
    const tooBig = fileTooBigMessage(file);
    if (tooBig) {
      event.preventDefault();
      showFormError(tooBig);
      fileInput.focus();
      return;
    }
    if (typeof XMLHttpRequest === 'undefined' || typeof FormData === 'undefined') return; // plain post
    event.preventDefault();

    const xhr = new XMLHttpRequest();
    xhr.open('POST', form.getAttribute('action') || '/');
    xhr.responseType = 'document';
    xhr.upload.addEventListener('progress', (e) => {
      if (!e.lengthComputable) return setProgress(true, null, 'Uploading…');
      const done = e.loaded / e.total;
      setProgress(true, done, 'Uploading… ' + Math.floor(done * 100) + '% (' + formatBytes(e.loaded) + ' of ' + formatBytes(e.total) + ')');
    });
    xhr.upload.addEventListener('load', () => setProgress(true, null, 'Uploaded; storing the file…'));
    xhr.addEventListener('load', () => {
      setBusy(false);
      if (xhr.status >= 200 && xhr.status < 300) return showSuccess(xhr);
      setProgress(false, 0, '');
      showFormError(errorFromResponse(xhr));
    });
    xhr.addEventListener('error', () => {
      setBusy(false);
      setProgress(false, 0, '');
      showFormError('The connection was lost during the upload. Check your network (or the file size) and try again.');
    });

    showFormError('');
    setBusy(true);
    setProgress(true, 0, 'Starting upload…');
    xhr.send(new FormData(form));
  }

  if (form) {
    form.addEventListener('submit', upload);
    form.elements['input-file'].addEventListener('change', (e) => {
      const message = fileTooBigMessage(e.target.files && e.target.files[0]);
      e.target.setAttribute('aria-invalid', message ? 'true' : 'false');
      showFormError(message);
    });
  }

  // ---------- recent documents ----------

  const statusLabels = { pending: 'counting…', done: 'done', failed: 'failed' };
  let refreshTimer = null;

  function documentItem(doc) {
    const li = el('li');
    const link = el('a', 'doc-link', revealFormatCharacters(doc.document_name));
    link.href = '/wordcloud/' + encodeURIComponent(doc.document_slug);
    li.appendChild(link);

    const status = String(doc.status || 'pending');
    li.appendChild(el('span', 'badge badge-' + status, statusLabels[status] || status));

    // One meta line: "115,324 words · <time>".
    const meta = el('span', 'doc-meta-inline');
    if (typeof doc.total_words === 'number') meta.append(numberFormat.format(doc.total_words) + ' words');
    const when = new Date(doc.time_uploaded);
    if (!Number.isNaN(when.getTime())) {
      const time = el('time', '', dateFormat.format(when));
      time.dateTime = doc.time_uploaded;
      if (meta.childNodes.length) meta.append(' · ');
      meta.append(time);
    }
    li.appendChild(meta);
    return li;
  }

  async function loadRecent() {
    if (!recentList) return;
    clearTimeout(refreshTimer);
    recentStatus.hidden = recentList.children.length > 0;
    try {
      const response = await fetch('/api/documents?limit=20', { headers: { Accept: 'application/json' } });
      if (!response.ok) throw new Error('HTTP ' + response.status);
      const body = await response.json();
      const docs = Array.isArray(body.documents) ? body.documents : [];
      recentList.replaceChildren(...docs.map(documentItem));
      recentStatus.textContent = docs.length ? '' : 'No documents yet. Upload one above.';
      recentStatus.hidden = docs.length > 0;
      // Keep badges fresh while something is still being counted.
      if (docs.some((d) => d.status === 'pending')) refreshTimer = setTimeout(loadRecent, 3000);
    } catch (err) {
      recentStatus.textContent = 'Could not load the recent documents (' + err.message + ').';
      recentStatus.hidden = false;
    }
  }

  loadRecent();
})();
