// tests/browser/cases.test.js — driven by cases.sh (which seeds the database and
// starts ancong web): attaching a document to a case from the review screen with
// the keyboard, and the statistics and cases pages as a browser shows them.
// Prints TAP-style "ok - ..." / "not ok - ..." lines.
'use strict';
const { chromium } = require('playwright-core');
const fs = require('fs');
const os = require('os');
const path = require('path');

const { BASE, PASS, SHOTS, DOC_R, FROM, TO, PART2 } = process.env;
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

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ancong-chromium-'));
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1440, height: 900 }, locale: 'vi-VN',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const p = ctx.pages()[0] || await ctx.newPage();
  p.setDefaultTimeout(15000);
  const errors = [];
  p.on('pageerror', (e) => { errors.push(e.message); console.log('# page error: ' + e.message); });
  // Page images are 404 here: these documents have no original in the blob store.
  p.on('response', (r) => {
    if (r.status() >= 400 && !/\/favicon\.ico$|\/documents\/\d+\/pages\//.test(r.url())) errors.push(r.status() + ' ' + r.url());
  });
  p.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(m.text()); });
  try {
    await p.goto(BASE + '/login');
    await p.fill('#username', 'hn_rev');
    await p.fill('#password', PASS);
    await Promise.all([p.waitForNavigation(), p.click('#login-submit')]);

    await check('Alt+V, a new case code and Enter attach the document to a new case', async () => {
      await p.goto(BASE + '/review/' + DOC_R);
      await p.keyboard.press('Alt+KeyV');
      expect(await p.evaluate(() => document.activeElement.id) === 'case-code', 'focus is not on the case code');
      await p.keyboard.type('HN-02/2026');
      await p.keyboard.press('Enter');
      await p.waitForFunction(() => /Đã gắn vào vụ việc HN-02\/2026/.test(document.getElementById('flash').textContent));
      const href = await p.getAttribute('#case-link', 'href');
      expect(/^\/cases\/\d+$/.test(href), 'case link: ' + href);
      const meta = await p.textContent('#doc-meta');
      expect(/HN-02\/2026/.test(meta), 'meta: ' + meta);
      expect((await p.textContent('#doc-version')) === '2', 'version not bumped');
    });

    await check('attaching again moves it to an existing case', async () => {
      await p.keyboard.press('Alt+KeyV');
      await p.keyboard.type('HN-03/2026');
      await p.keyboard.press('Enter');
      await p.waitForFunction(() => /Đã gắn vào vụ việc HN-03\/2026/.test(document.getElementById('flash').textContent));
      await p.screenshot({ path: path.join(SHOTS, '20-review-case-attach.png') });
    });

    await check('the case page shows the attached document in its timeline', async () => {
      await Promise.all([p.waitForNavigation(), p.click('#case-link')]);
      expect((await p.textContent('#case-code')) === 'HN-03/2026', 'code');
      const rows = await p.$$eval('#timeline tbody tr', (t) => t.map((r) => r.dataset.id));
      expect(rows.length === 3 && rows.includes(DOC_R), 'timeline: ' + rows.join(','));
      await p.screenshot({ path: path.join(SHOTS, '21-case.png') });
    });

    await check('the cases list highlights overdue cases', async () => {
      await p.goto(BASE + '/cases');
      const n = await p.$$eval('#cases-table tr.overdue', (t) => t.length);
      expect(n >= 1, 'no overdue row');
      await p.screenshot({ path: path.join(SHOTS, '22-cases.png') });
    });

    await check('the statistics page renders its charts, totals and CSV link', async () => {
      await p.goto(BASE + '/stats?from=' + FROM + '&to=' + TO);
      const bars = await p.$$eval('#chart-month rect.bar', (t) => t.length);
      expect(bars === 3, 'month bars: ' + bars);
      const box = await p.$eval('#chart-stage', (s) => s.getBoundingClientRect().width);
      expect(box > 100, 'chart not drawn');
      const href = await p.getAttribute('#csv-link', 'href');
      expect(href === '/stats.csv?from=' + FROM + '&to=' + TO, 'csv link: ' + href);
      await p.screenshot({ path: path.join(SHOTS, '23-stats.png'), fullPage: true });
    });

    await check('Alt+[ on a part of a split file moves its start one page earlier', async () => {
      await p.goto(BASE + '/review/' + PART2);
      const before = await p.textContent('#part-range');
      expect(/trang 4–5 \/ 5/.test(before), 'before: ' + before);
      await Promise.all([p.waitForNavigation(), p.keyboard.press('Alt+BracketLeft')]);
      await p.waitForFunction(() => /trang 3–5/.test(document.getElementById('part-range').textContent));
      await p.screenshot({ path: path.join(SHOTS, '24-review-part-boundary.png') });
    });

    await check('no script or CSP errors on these pages', async () => {
      expect(errors.length === 0, errors.join(' | '));
    });
  } finally {
    await ctx.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(() => process.exit(failures ? 1 : 0), (e) => { console.log('not ok - browser script: ' + e.message); process.exit(1); });
