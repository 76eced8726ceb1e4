// tests/browser/split_parts.test.js — driven by split_parts.sh (which seeds a
// case file of four parts, starts ancong web, and starts a worker when $GO
// appears).  Keyboard only: Alt+M merges, Alt+↓ then Alt+S splits at the page
// shown, Alt+[ / Alt+] move a part's start.  Prints "ok - ..." lines.
'use strict';
const { chromium } = require('playwright-core');
const fs = require('fs');
const os = require('os');
const path = require('path');

const { BASE, PASS, SHOTS, PART_MID, PART_LAST, GO } = process.env;
let failures = 0;

function ok(name) { console.log('ok - ' + name); }
function notOk(name, why) {
  failures++;
  console.log('not ok - ' + name);
  if (why) console.log('#   ' + String(why).split('\n')[0]);
}
async function check(name, fn) {
  try {
    const r = await fn();
    if (r === false) notOk(name, 'condition false'); else ok(name);
  } catch (e) { notOk(name, e && e.message); }
}
function expect(cond, msg) { if (!cond) throw new Error(msg); }

// The screen's state: part range, type, whether re-analysing, editable.
async function state(p) {
  return p.evaluate(() => ({
    range: document.getElementById('part-range').textContent,
    type: document.getElementById('doc-type').value,
    busy: !document.getElementById('reanalyzing').hidden,
    mergeOff: document.getElementById('merge-next').disabled,
    page: document.getElementById('page-label').textContent,
  }));
}

// Wait until want(state) holds.  The screen reloads itself when a
// re-analysis ends, so a navigation in between is expected: read again.
async function until(p, want, what) {
  const end = Date.now() + 90000;
  let last = null;
  while (Date.now() < end) {
    try {
      await p.waitForLoadState('domcontentloaded');
      last = await state(p);
      if (want(last)) return last;
    } catch (e) {
      if (!/context was destroyed|navigat|Target closed/i.test(e.message)) throw e;
    }
    await p.waitForTimeout(200);
  }
  throw new Error(what + ': screen stayed ' + JSON.stringify(last));
}

// Press a key that changes the parts; the screen is loaded again after it.
async function partKey(p, key) {
  await Promise.all([p.waitForNavigation(), p.keyboard.press(key)]);
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ancong-chromium-'));
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1440, height: 900 }, locale: 'vi-VN',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const errors = [];
  try {
    const p = ctx.pages()[0] || await ctx.newPage();
    p.setDefaultTimeout(20000);
    p.on('pageerror', (e) => errors.push(e.message));
    await p.goto(BASE + '/login');
    await p.fill('#username', 'hn_rev');
    await p.fill('#password', PASS);
    await Promise.all([p.waitForNavigation(), p.click('#login-submit')]);

    await check('the review screen of a part shows the part keys (Alt+M, Alt+S, Alt+[ ...)', async () => {
      await p.goto(BASE + '/review/' + PART_LAST);
      const keys = await p.textContent('#part-keys');
      for (const k of ['Alt+M', 'Alt+S', 'Alt+[', 'Alt+]', 'Alt+,', 'Alt+.'])
        expect(keys.includes(k), 'missing ' + k + ' in: ' + keys);
      const s = await state(p);
      expect(/trang 6–6 \/ 7/.test(s.range) && s.type === 'tra_loi_kien_nghi' && !s.mergeOff, JSON.stringify(s));
    });

    await check('Alt+M merges the part with the next one and shows it re-analysing', async () => {
      await partKey(p, 'Alt+KeyM');
      const s = await until(p, (x) => /trang 6–7/.test(x.range), 'merged range');
      expect(s.busy, 'not shown as re-analysing: ' + JSON.stringify(s));
      const ro = await p.$eval('#fields input', (i) => i.readOnly);
      expect(ro, 'fields are editable while re-analysing');
      const st = await p.textContent('#doc-status');
      expect(st === 'Đang phân tích lại', 'status shown: ' + st);
      await p.screenshot({ path: path.join(SHOTS, '30-part-reanalysing.png') });
    });
    fs.writeFileSync(GO, 'go\n');

    await check('when the worker is done the screen shows the merged part re-analysed', async () => {
      const s = await until(p, (x) => !x.busy, 're-analysis done');
      expect(/trang 6–7/.test(s.range) && s.type === 'tra_loi_kien_nghi', JSON.stringify(s));
      expect(s.page === 'Trang 1/2', 'pages: ' + s.page);
    });

    await check('Alt+↓ then Alt+S splits the part so that page 7 starts a new one', async () => {
      await p.keyboard.press('Alt+ArrowDown');
      await p.waitForFunction(() => document.getElementById('page-label').textContent === 'Trang 2/2');
      await partKey(p, 'Alt+KeyS');
      const s = await until(p, (x) => !x.busy && /trang 6–6/.test(x.range), 'split and re-analysed');
      expect(s.type === 'tra_loi_kien_nghi', JSON.stringify(s));
      await p.screenshot({ path: path.join(SHOTS, '31-part-split.png') });
    });

    await check('Alt+[ moves the start of part 4–5 to page 3; the part is re-analysed', async () => {
      await p.goto(BASE + '/review/' + PART_MID);
      await until(p, (x) => /trang 4–5/.test(x.range) && x.type === 'kien_nghi', 'part 4-5');
      await partKey(p, 'Alt+BracketLeft');
      const s = await until(p, (x) => !x.busy && /trang 3–5/.test(x.range), 'moved and re-analysed');
      expect(s.type !== 'kien_nghi', 'type unchanged after its first page changed: ' + s.type);
    });

    await check('Alt+] moves it back and the part is a kiến nghị again', async () => {
      await partKey(p, 'Alt+BracketRight');
      const s = await until(p, (x) => !x.busy && /trang 4–5/.test(x.range), 'moved back and re-analysed');
      expect(s.type === 'kien_nghi', JSON.stringify(s));
    });

    await check('no script errors on the review screen', async () => {
      expect(errors.length === 0, errors.join(' | '));
    });
  } finally {
    await ctx.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(() => process.exit(failures ? 1 : 0), (e) => { console.log('not ok - browser script: ' + e.message); process.exit(1); });
