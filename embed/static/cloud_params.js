// The word-cloud page's settings as pure functions: parsing and clamping the URL's query, writing
// it back, the seed of the layout, which words to draw, their colour and rotation. No DOM, no I/O:
// the browser loads it as window.htutCloudParams, and node loads it with require() for the unit
// test (tests/js/cloud_params_test.js). A bad value never fails: it falls back to the default.
(function (root, factory) {
  'use strict';
  if (typeof module === 'object' && module.exports) module.exports = factory();
  else root.htutCloudParams = factory();
})(typeof self !== 'undefined' ? self : this, function () {
  'use strict';

  const WORDS_MIN = 10;
  const WORDS_MAX = 300;
  const WORDS_DEFAULT = 100;
  const FETCH_TOP = 1000; // the API's largest ?top=: every word the worker kept
  const MAX_EXCLUDED = 1000;
  const MAX_WORD_CODE_POINTS = 100; // longer words are never counted (word-count rules, step 5)

  // CJK, Thai, Lao, Khmer, Myanmar and Hangul fonts after the Latin ones: the browser takes each
  // character from the first family that has it, so Latin keeps its look and the rest stays legible.
  // Simplified Chinese first (the Han glyphs most readers expect), then Japanese, Traditional, Korean.
  const SCRIPT_FALLBACKS = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Hiragino Sans GB", ' +
    '"Microsoft YaHei", "Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic", "Noto Sans CJK TC", "Microsoft JhengHei", ' +
    '"Noto Sans CJK KR", "Apple SD Gothic Neo", "Malgun Gothic", "WenQuanYi Micro Hei", "Droid Sans Fallback", ' +
    '"Noto Sans Thai", "Thonburi", "Leelawadee UI", "Tahoma", "Noto Sans Lao", "Noto Sans Khmer", "Noto Sans Myanmar"';
  const SERIF_FALLBACKS = '"Noto Serif CJK SC", "Source Han Serif SC", "Songti SC", "SimSun", "Noto Serif CJK JP", ' +
    '"Hiragino Mincho ProN", "Yu Mincho", "Noto Serif Thai", ' + SCRIPT_FALLBACKS;

  // Families that every desktop has one of, ending in a generic family (never a download).
  const FONTS = {
    sans: { label: 'Sans-serif', stack: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", ' +
      '"DejaVu Sans", Arial, ' + SCRIPT_FALLBACKS + ', sans-serif' },
    serif: { label: 'Serif', stack: 'Georgia, Cambria, "Noto Serif", "DejaVu Serif", "Times New Roman", ' +
      SERIF_FALLBACKS + ', serif' },
    mono: { label: 'Monospace', stack: 'ui-monospace, "SFMono-Regular", Menlo, Consolas, "Noto Sans Mono", ' +
      '"DejaVu Sans Mono", ' + SCRIPT_FALLBACKS + ', monospace' },
    condensed: { label: 'Condensed', stack: '"Arial Narrow", "Roboto Condensed", "Noto Sans Condensed", ' +
      '"DejaVu Sans Condensed", "Liberation Sans Narrow", ' + SCRIPT_FALLBACKS + ', sans-serif' },
  };

  // light/dark: colours that read on the light and the dark theme's background.
  // by: 'rank' cycles through the colours word by word; 'size' maps a word's rank to a position
  // along the list (a gradient: the most frequent words take the first colour).
  const PALETTES = {
    bold: { label: 'Bold (default)', by: 'rank',
      light: ['#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e', '#e6ab02', '#a6761d', '#666666'],
      dark: ['#66c2a5', '#fc8d62', '#8da0cb', '#e78ac3', '#a6d854', '#ffd92f', '#e5c494', '#b3b3b3'] },
    // Okabe & Ito's palette, made to be told apart with every common colour-vision deficiency.
    // Yellow is left out on white and black on dark, where they would not read.
    'okabe-ito': { label: 'Okabe–Ito (colour-blind safe)', by: 'rank',
      light: ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#000000'],
      dark: ['#56b4e9', '#e69f00', '#009e73', '#f0e442', '#cc79a7', '#d55e00', '#ffffff'] },
    // Viridis, perceptually uniform and colour-blind safe; the too-light (or too-dark) end is cut.
    viridis: { label: 'Viridis (colour-blind safe)', by: 'size',
      light: ['#440154', '#482878', '#3e4989', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6ece58'],
      dark: ['#fde725', '#b5de2b', '#6ece58', '#35b779', '#1f9e89', '#26828e', '#31688e', '#3e4989'] },
    tableau: { label: 'Tableau 10', by: 'rank',
      light: ['#4e79a7', '#f28e2c', '#e15759', '#76b7b2', '#59a14f', '#edc949', '#af7aa1', '#ff9da7', '#9c755f', '#bab0ab'],
      dark: ['#4e79a7', '#f28e2c', '#e15759', '#76b7b2', '#59a14f', '#edc949', '#af7aa1', '#ff9da7', '#9c755f', '#bab0ab'] },
    mono: { label: 'Monochrome', by: 'size',
      light: ['#111827', '#1f2937', '#374151', '#4b5563'],
      dark: ['#f9fafb', '#e5e7eb', '#d1d5db', '#9ca3af'] },
  };

  const ORIENTATIONS = {
    mixed: { label: 'Mixed: across and up (default)' },
    horizontal: { label: 'Horizontal only' },
    angled: { label: 'Angled: −45° to 45°' },
  };

  const DEFAULTS = Object.freeze({ words: WORDS_DEFAULT, exclude: Object.freeze([]), palette: 'bold',
    orientation: 'mixed', font: 'sans' });

  const hasOwn = (object, key) => Object.prototype.hasOwnProperty.call(object, key);

  // "30" -> 30; "5" -> 10 and "5000" -> 300 (clamped); anything not a plain decimal -> the default.
  function parseWords(raw) {
    if (typeof raw !== 'string' || !/^\s*\d{1,9}\s*$/.test(raw)) return WORDS_DEFAULT;
    return Math.min(WORDS_MAX, Math.max(WORDS_MIN, Number(raw)));
  }

  // "a,b, c,,a" -> ["a", "b", "c"]: trimmed, no empties, no repeats, no word too long to exist.
  function parseExclude(raw) {
    if (typeof raw !== 'string') return [];
    const out = [];
    const seen = new Set();
    for (const piece of raw.split(',')) {
      const word = piece.trim();
      if (!word || seen.has(word) || Array.from(word).length > MAX_WORD_CODE_POINTS) continue;
      seen.add(word);
      out.push(word);
      if (out.length === MAX_EXCLUDED) break;
    }
    return out;
  }

  const pick = (table, raw, fallback) => (typeof raw === 'string' && hasOwn(table, raw) ? raw : fallback);

  // A query string ("?words=30&palette=mono", with or without "?") or URLSearchParams -> settings.
  // The first of repeated parameters wins; unknown ones are ignored.
  function parse(query) {
    const params = query instanceof URLSearchParams ? query : new URLSearchParams(String(query || ''));
    const get = (name) => (params.has(name) ? params.get(name) : undefined);
    return {
      words: params.has('words') ? parseWords(get('words')) : WORDS_DEFAULT,
      exclude: parseExclude(get('exclude')),
      palette: pick(PALETTES, get('palette'), DEFAULTS.palette),
      orientation: pick(ORIENTATIONS, get('orientation'), DEFAULTS.orientation),
      font: pick(FONTS, get('font'), DEFAULTS.font),
    };
  }

  // Any object -> valid settings (the same rules as parse, for values from the form).
  function normalize(settings) {
    const s = settings || {};
    const words = typeof s.words === 'number' ? String(Math.trunc(s.words)) : s.words;
    const exclude = Array.isArray(s.exclude) ? s.exclude.join(',') : s.exclude;
    return parse(new URLSearchParams([
      ...(words === undefined ? [] : [['words', String(words)]]),
      ...(exclude === undefined ? [] : [['exclude', String(exclude)]]),
      ...['palette', 'orientation', 'font'].filter((k) => typeof s[k] === 'string').map((k) => [k, s[k]]),
    ]));
  }

  // Settings -> the query string that reproduces them ("" for the defaults), in a fixed order and
  // naming only what differs from the default, so one cloud has one URL. Commas stay readable.
  function toQuery(settings) {
    const s = normalize(settings);
    const parts = [];
    if (s.words !== WORDS_DEFAULT) parts.push('words=' + s.words);
    if (s.exclude.length) parts.push('exclude=' + s.exclude.map(encodeURIComponent).join(','));
    for (const key of ['palette', 'orientation', 'font']) {
      if (s[key] !== DEFAULTS[key]) parts.push(key + '=' + encodeURIComponent(s[key]));
    }
    return parts.length ? '?' + parts.join('&') : '';
  }

  // ---------- the layout's randomness: same slug and settings, same cloud ----------

  function hashString(text) {
    let h = 0x811c9dc5; // FNV-1a, 32 bit, over UTF-16 code units
    for (let i = 0; i < text.length; i += 1) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    return h >>> 0;
  }

  // mulberry32: a tiny, fast PRNG; plenty for placing words.
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

  // The seed covers what moves words (which words, rotation, font), not the palette: recolouring
  // keeps the layout. The default settings keep the seed the page used before it had settings.
  function layoutSeed(slug, settings) {
    const s = normalize(settings);
    const key = toQuery({ words: s.words, exclude: s.exclude, orientation: s.orientation, font: s.font });
    return hashString(String(slug || '') + key);
  }

  // ---------- which words, in which colour, at which angle ----------

  // ranked: [{text, count}, …] in rank order -> the first `words` that are not excluded, each with
  // its rank in the document (0-based). A word is excluded as written or in lower case.
  function pickWords(ranked, settings) {
    const s = normalize(settings);
    const excluded = new Set();
    for (const word of s.exclude) {
      excluded.add(word);
      excluded.add(word.toLowerCase());
    }
    const out = [];
    for (let rank = 0; rank < ranked.length && out.length < s.words; rank += 1) {
      if (!excluded.has(ranked[rank].text)) out.push({ ...ranked[rank], rank });
    }
    return out;
  }

  // Scripts whose words read badly turned on their side: written without spaces, or as syllable blocks.
  const UPRIGHT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Bopomofo}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}\p{Script=Tibetan}]/u;

  function keepsUpright(text) {
    return UPRIGHT.test(text);
  }

  // The language a word is most likely in, for its lang attribute: screen readers pick the voice
  // by it, and browsers the CJK glyph forms (Japanese kanji differ from Chinese hanzi in detail).
  // Han alone cannot tell Chinese from Japanese: the document's kana decide (documentLanguage).
  const SCRIPT_LANGS = [
    [/[\p{Script=Hiragana}\p{Script=Katakana}]/u, 'ja'], [/\p{Script=Hangul}/u, 'ko'], [/\p{Script=Thai}/u, 'th'],
    [/\p{Script=Lao}/u, 'lo'], [/\p{Script=Khmer}/u, 'km'], [/\p{Script=Myanmar}/u, 'my'], [/\p{Script=Tibetan}/u, 'bo'],
  ];
  const HAN = /[\p{Script=Han}\p{Script=Bopomofo}]/u;

  // texts: the document's words -> 'ja' when any holds kana, else 'zh' when any holds Han, else ''.
  function documentLanguage(texts) {
    let han = false;
    for (const text of texts) {
      if (SCRIPT_LANGS[0][0].test(text)) return 'ja';
      han = han || HAN.test(text);
    }
    return han ? 'zh' : '';
  }

  // '' when the word's script says nothing (Latin, Cyrillic…: the page's language stands).
  function wordLanguage(text, documentLang) {
    for (const [pattern, lang] of SCRIPT_LANGS) if (pattern.test(text)) return lang;
    if (HAN.test(text)) return documentLang === 'ja' ? 'ja' : 'zh';
    return '';
  }

  // One call of random() per word whatever the outcome, so one word's script never shifts the others.
  function rotation(orientation, random, text) {
    const r = random();
    if (orientation === 'horizontal' || keepsUpright(text)) return 0;
    if (orientation === 'angled') return [-45, -30, 0, 0, 30, 45][Math.floor(r * 6)];
    return r < 0.72 ? 0 : 90; // mixed: the page's original look
  }

  // position: the word's place among the n drawn (0 = most frequent).
  function colour(paletteName, dark, position, n) {
    const palette = PALETTES[pick(PALETTES, paletteName, DEFAULTS.palette)];
    const colours = dark ? palette.dark : palette.light;
    if (palette.by === 'size') {
      const at = n > 1 ? position / (n - 1) : 0;
      return colours[Math.min(colours.length - 1, Math.floor(at * colours.length))];
    }
    return colours[position % colours.length];
  }

  function fontStack(name) {
    return FONTS[pick(FONTS, name, DEFAULTS.font)].stack;
  }

  // Format characters (Unicode Cf: U+202E RIGHT-TO-LEFT OVERRIDE, U+200B, U+FEFF…) shown as
  // "<U+202E>", as the server's pages show them, so a name cannot reorder or hide text around it.
  function revealFormatCharacters(text) {
    return String(text).replace(/\p{Cf}/gu, (c) => '<U+' + c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0') + '>');
  }

  return {
    WORDS_MIN, WORDS_MAX, WORDS_DEFAULT, FETCH_TOP, DEFAULTS, PALETTES, ORIENTATIONS, FONTS,
    parse, normalize, toQuery, hashString, mulberry32, layoutSeed, pickWords, keepsUpright, rotation, colour,
    fontStack, revealFormatCharacters, documentLanguage, wordLanguage,
  };
});
