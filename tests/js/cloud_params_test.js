#!/usr/bin/env node
// Unit test of embed/static/cloud_params.js (the word-cloud page's URL settings): plain node and
// node:assert only, so it runs on Debian 12's Node 18 as well as on newer ones.
//   node tests/js/cloud_params_test.js        (ctest: "unit js: cloud_params")
'use strict';

const assert = require('assert');
const path = require('path');

const P = require(path.join(__dirname, '..', '..', 'embed', 'static', 'cloud_params.js'));

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

const D = { words: 100, exclude: [], palette: 'bold', orientation: 'mixed', font: 'sans' };

test('no query gives the defaults', () => {
  assert.deepStrictEqual(P.parse(''), D);
  assert.deepStrictEqual(P.parse('?'), D);
  assert.deepStrictEqual(P.parse(undefined), D);
  assert.deepStrictEqual(P.parse('unknown=1&other'), D);
});

test('words: a decimal is clamped to 10..300, anything else is the default', () => {
  const words = (q) => P.parse(q).words;
  assert.strictEqual(words('words=30'), 30);
  assert.strictEqual(words('?words=300'), 300);
  assert.strictEqual(words('words=10'), 10);
  assert.strictEqual(words('words=0030'), 30);
  assert.strictEqual(words('words=5'), 10);
  assert.strictEqual(words('words=0'), 10);
  assert.strictEqual(words('words=5000'), 300);
  assert.strictEqual(words('words=999999999'), 300);
  for (const bad of ['words=', 'words', 'words=abc', 'words=-5', 'words=-+5', 'words=3.5', 'words=1e2',
    'words=0x10', 'words=Infinity', 'words=NaN', 'words=9999999999999', 'words=%zz', 'words=30abc']) {
    assert.strictEqual(words(bad), 100, bad);
  }
  assert.strictEqual(words('words=20&words=40'), 20, 'the first one wins');
  assert.strictEqual(words('words=+50+'), 50, "'+' is a space in a query");
});

test('exclude: comma-separated, trimmed, without empties or repeats', () => {
  const ex = (q) => P.parse(q).exclude;
  assert.deepStrictEqual(ex('exclude=whale,sea'), ['whale', 'sea']);
  assert.deepStrictEqual(ex('exclude=%20whale%20,,sea,whale,'), ['whale', 'sea']);
  assert.deepStrictEqual(ex('exclude=caf%C3%A9,%E4%B8%AD%E5%9B%BD,don%27t'), ['café', '中国', "don't"]);
  assert.deepStrictEqual(ex('exclude=a%2Cb'), ['a', 'b'], 'an encoded comma still separates');
  assert.deepStrictEqual(ex('exclude='), []);
  assert.deepStrictEqual(ex('exclude=' + 'x'.repeat(101) + ',ok'), ['ok'], 'no word is longer than 100 code points');
  assert.deepStrictEqual(ex('exclude=' + '𝐀'.repeat(100)), ['𝐀'.repeat(100)], 'code points, not UTF-16 units');
  const many = Array.from({ length: 1500 }, (_, i) => 'w' + i).join(',');
  assert.strictEqual(ex('exclude=' + many).length, 1000);
  assert.deepStrictEqual(ex('exclude=%zz,a'), ['%zz', 'a'], 'a broken escape is kept as written, not an error');
});

test('palette, orientation, font: known names only', () => {
  assert.strictEqual(P.parse('palette=okabe-ito').palette, 'okabe-ito');
  assert.strictEqual(P.parse('palette=mono').palette, 'mono');
  assert.strictEqual(P.parse('palette=Mono').palette, 'bold');
  assert.strictEqual(P.parse('palette=toString').palette, 'bold', 'no inherited property names');
  assert.strictEqual(P.parse('palette=__proto__').palette, 'bold');
  assert.strictEqual(P.parse('orientation=horizontal').orientation, 'horizontal');
  assert.strictEqual(P.parse('orientation=angled').orientation, 'angled');
  assert.strictEqual(P.parse('orientation=sideways').orientation, 'mixed');
  assert.strictEqual(P.parse('font=serif').font, 'serif');
  assert.strictEqual(P.parse('font=Comic%20Sans').font, 'sans');
});

test('the palettes: at least 4, one colour-blind safe, one monochrome, valid colours', () => {
  const names = Object.keys(P.PALETTES);
  assert.ok(names.length >= 4);
  assert.ok(names.includes('okabe-ito') && names.includes('viridis') && names.includes('mono'));
  for (const name of names) {
    for (const scheme of ['light', 'dark']) {
      for (const c of P.PALETTES[name][scheme]) assert.match(c, /^#[0-9a-f]{6}$/, name + ' ' + c);
    }
  }
  for (const font of Object.values(P.FONTS)) assert.match(font.stack, /(sans-serif|serif|monospace)$/);
});

test('toQuery names only what differs from the default, in a fixed order, and parse reads it back', () => {
  assert.strictEqual(P.toQuery(D), '');
  assert.strictEqual(P.toQuery({}), '');
  const s = { font: 'serif', palette: 'mono', exclude: ['whale', 'café', "don't"], words: 30, orientation: 'horizontal' };
  const q = P.toQuery(s);
  assert.strictEqual(q, "?words=30&exclude=whale,caf%C3%A9,don't&palette=mono&orientation=horizontal&font=serif");
  assert.deepStrictEqual(P.parse(q), { words: 30, exclude: ['whale', 'café', "don't"], palette: 'mono', orientation: 'horizontal', font: 'serif' });
  assert.strictEqual(P.toQuery({ words: 5000, palette: 'nope' }), '?words=300', 'normalized first');
  assert.strictEqual(P.toQuery({ words: '42' }), '?words=42', 'form values are strings');
  assert.strictEqual(P.toQuery({ exclude: 'a, b' }), '?exclude=a,b');
  assert.strictEqual(P.toQuery({ exclude: ['a&b=c#d'] }), '?exclude=a%26b%3Dc%23d');
  assert.deepStrictEqual(P.parse(P.toQuery({ exclude: ['a&b=c#d'] })).exclude, ['a&b=c#d']);
});

test('the layout seed: same slug and settings, same seed; the palette does not move words', () => {
  const a = P.layoutSeed('moby', { words: 30, exclude: ['whale'] });
  assert.strictEqual(a, P.layoutSeed('moby', { words: '30', exclude: 'whale', palette: 'mono' }));
  assert.notStrictEqual(a, P.layoutSeed('moby', { words: 31, exclude: ['whale'] }));
  assert.notStrictEqual(a, P.layoutSeed('dick', { words: 30, exclude: ['whale'] }));
  assert.notStrictEqual(a, P.layoutSeed('moby', { words: 30, exclude: ['whale'], orientation: 'horizontal' }));
  assert.notStrictEqual(a, P.layoutSeed('moby', { words: 30, exclude: ['whale'], font: 'serif' }));
  assert.strictEqual(P.layoutSeed('moby', D), P.hashString('moby'), 'defaults keep the original seed');
  const r1 = P.mulberry32(a);
  const r2 = P.mulberry32(a);
  for (let i = 0; i < 100; i += 1) {
    const x = r1();
    assert.strictEqual(x, r2());
    assert.ok(x >= 0 && x < 1);
  }
  assert.strictEqual(P.hashString(''), 0x811c9dc5);
  assert.strictEqual(P.hashString('a'), 0xe40c292c, 'FNV-1a 32 of "a"');
});

test('pickWords: the first N not excluded, with their rank in the document', () => {
  const ranked = Array.from({ length: 50 }, (_, i) => ({ text: 'w' + i, count: 100 - i }));
  const texts = (s) => P.pickWords(ranked, s).map((w) => w.text);
  assert.deepStrictEqual(texts({ words: 10 }), ranked.slice(0, 10).map((w) => w.text));
  const picked = P.pickWords(ranked, { words: 10, exclude: ['w0', 'W3', 'nothere'] });
  assert.deepStrictEqual(picked.map((w) => w.text), ['w1', 'w2', 'w4', 'w5', 'w6', 'w7', 'w8', 'w9', 'w10', 'w11'],
    'refilled with the next-ranked words; an upper-case exclusion matches the lower-case word');
  assert.deepStrictEqual(picked.map((w) => w.rank), [1, 2, 4, 5, 6, 7, 8, 9, 10, 11]);
  assert.strictEqual(picked[0].count, 99);
  assert.strictEqual(P.pickWords(ranked, { words: 300 }).length, 50, 'fewer words than asked: all of them');
  assert.strictEqual(P.pickWords([], {}).length, 0);
});

test('rotation: CJK, Thai and the like stay upright; one random() call per word', () => {
  assert.ok(P.keepsUpright('中国') && P.keepsUpright('ひらがな') && P.keepsUpright('カタカナ'));
  assert.ok(P.keepsUpright('ภาษา') && P.keepsUpright('한국어') && P.keepsUpright('ພາສາ') && P.keepsUpright('ខ្មែរ'));
  assert.ok(P.keepsUpright('iphone手机'));
  assert.ok(!P.keepsUpright('whale') && !P.keepsUpright('москва') && !P.keepsUpright('שלום') && !P.keepsUpright('café'));
  let calls = 0;
  const fixed = (v) => () => { calls += 1; return v; };
  assert.strictEqual(P.rotation('mixed', fixed(0.9), 'whale'), 90);
  assert.strictEqual(P.rotation('mixed', fixed(0.1), 'whale'), 0);
  assert.strictEqual(P.rotation('mixed', fixed(0.9), '中国'), 0);
  assert.strictEqual(P.rotation('horizontal', fixed(0.9), 'whale'), 0);
  assert.strictEqual(P.rotation('angled', fixed(0), 'whale'), -45);
  assert.strictEqual(P.rotation('angled', fixed(0.999), 'whale'), 45);
  assert.strictEqual(P.rotation('angled', fixed(0.999), 'ภาษา'), 0);
  assert.strictEqual(calls, 7);
  const random = P.mulberry32(7);
  for (let i = 0; i < 200; i += 1) assert.ok([-45, -30, 0, 30, 45].includes(P.rotation('angled', random, 'x')));
});

test('languages: kana make a document Japanese, Han alone Chinese; each word by its script', () => {
  assert.strictEqual(P.documentLanguage(['whale', '图书', '城市']), 'zh');
  assert.strictEqual(P.documentLanguage(['東京', 'ひらがな', 'whale']), 'ja');
  assert.strictEqual(P.documentLanguage(['whale', 'москва', 'ภาษา']), '');
  assert.strictEqual(P.wordLanguage('東京', 'ja'), 'ja');
  assert.strictEqual(P.wordLanguage('東京', 'zh'), 'zh');
  assert.strictEqual(P.wordLanguage('東京', ''), 'zh');
  assert.strictEqual(P.wordLanguage('カタカナ', 'zh'), 'ja');
  assert.strictEqual(P.wordLanguage('한국어', ''), 'ko');
  assert.strictEqual(P.wordLanguage('ภาษา', ''), 'th');
  assert.strictEqual(P.wordLanguage('ພາສາ', ''), 'lo');
  assert.strictEqual(P.wordLanguage('ខ្មែរ', ''), 'km');
  assert.strictEqual(P.wordLanguage('whale', 'ja'), '');
  assert.strictEqual(P.wordLanguage('москва', ''), '');
});

test('colour: by rank cycles, by size is a gradient from the first colour; unknown palette is the default', () => {
  const bold = P.PALETTES.bold.light;
  assert.strictEqual(P.colour('bold', false, 0, 100), bold[0]);
  assert.strictEqual(P.colour('bold', false, bold.length + 1, 100), bold[1]);
  assert.strictEqual(P.colour('bold', true, 0, 100), P.PALETTES.bold.dark[0]);
  const mono = P.PALETTES.mono.light;
  assert.strictEqual(P.colour('mono', false, 0, 100), mono[0]);
  assert.strictEqual(P.colour('mono', false, 99, 100), mono[mono.length - 1]);
  assert.strictEqual(P.colour('mono', false, 0, 1), mono[0]);
  assert.strictEqual(P.colour('nope', false, 0, 10), bold[0]);
  for (let i = 0; i < 300; i += 1) assert.ok(P.PALETTES.viridis.light.includes(P.colour('viridis', false, i, 300)));
});

test('fontStack: known names, else the default; CJK and Thai fonts before the generic family', () => {
  assert.strictEqual(P.fontStack('serif'), P.FONTS.serif.stack);
  assert.strictEqual(P.fontStack('nope'), P.FONTS.sans.stack);
  for (const font of Object.values(P.FONTS)) {
    const stack = font.stack;
    assert.ok(stack.indexOf('Noto Sans CJK SC') > 0 && stack.indexOf('Noto Sans Thai') > 0, font.label);
    assert.ok(stack.indexOf('Noto Sans CJK SC') < stack.lastIndexOf(','), 'before the generic family');
  }
});

test('revealFormatCharacters: Cf shown as <U+XXXX>, everything else kept', () => {
  assert.strictEqual(P.revealFormatCharacters('abc\u202Edef'), 'abc<U+202E>def');
  assert.strictEqual(P.revealFormatCharacters('\u200B\uFEFF\u{E0001}x'), '<U+200B><U+FEFF><U+E0001>x');
  assert.strictEqual(P.revealFormatCharacters('Crème 🐳 中国 <b>'), 'Crème 🐳 中国 <b>');
  assert.strictEqual(P.revealFormatCharacters(''), '');
});

let failed = 0;
for (const { name, fn } of tests) {
  try {
    fn();
    process.stdout.write('ok - ' + name + '\n');
  } catch (err) {
    failed += 1;
    process.stdout.write('not ok - ' + name + '\n' + (err && err.stack ? err.stack : String(err)) + '\n');
  }
}
process.stdout.write(tests.length - failed + ' of ' + tests.length + ' passed\n');
process.exit(failed ? 1 : 0);
