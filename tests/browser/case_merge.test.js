// tests/browser/case_merge.test.js — driven by case_merge.sh (which seeds two
// Hà Nội cases and starts ancong web): a reviewer merges one case into the
// other from the case page, sees the result, and a Quảng Ninh reviewer finds
// neither case nor a merge form.  Prints "ok - ..." / "not ok - ..." lines.
'use strict';
const { chromium } = require('playwright-core');
const fs = require('fs');
const os = require('os');
const path = require('path');

const { BASE, PASS, SHOTS, CASE_A, CASE_B } = process.env;
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

async function login(p, user) {
  await p.goto(BASE + '/login');
  await p.fill('#username', user);
  await p.fill('#password', PASS);
  await Promise.all([p.waitForNavigation(), p.click('#login-submit')]);
}

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
  p.on('response', (r) => {
    // the Quảng Ninh reviewer's 404 below is expected
    if (r.status() >= 400 && !/\/favicon\.ico$/.test(r.url()) && !r.url().endsWith('/cases/' + CASE_B)) errors.push(r.status() + ' ' + r.url());
  });
  p.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(m.text()); });
  try {
    await login(p, 'hn_rev');

    await check('the case page shows the merge form with the case\'s own unit chosen', async () => {
      await p.goto(BASE + '/cases/' + CASE_A);
      expect((await p.textContent('#case-code')) === 'HN-10/2026', 'code');
      const unit = await p.$eval('#merge-unit', (s) => s.options[s.selectedIndex].textContent);
      expect(/Hà Nội/.test(unit), 'unit: ' + unit);
      expect(/Xác minh/i.test(await p.textContent('#case-stage')), 'stage before: ' + await p.textContent('#case-stage'));
    });

    await check('merging HN-10 into HN-11 leads to HN-11 with all documents and the new stage', async () => {
      await p.fill('#merge-code', 'HN-11/2026');
      await Promise.all([p.waitForNavigation(), p.click('#merge-submit')]);
      expect(new URL(p.url()).pathname === '/cases/' + CASE_B, 'url: ' + p.url());
      expect((await p.textContent('#case-code')) === 'HN-11/2026', 'code');
      const flash = await p.textContent('#case-flash');
      expect(/Đã gộp vụ việc: 2 văn bản/.test(flash), 'flash: ' + flash);
      const rows = await p.$$eval('#timeline tbody tr', (t) => t.length);
      expect(rows === 3, 'timeline rows: ' + rows);
      const stage = await p.textContent('#case-stage');
      expect(/Kiến nghị/i.test(stage), 'stage: ' + stage);
      expect(/09\/06\/2026/.test(await p.textContent('#case-due')), 'due: ' + await p.textContent('#case-due'));
      await p.screenshot({ path: path.join(SHOTS, '30-case-merged.png'), fullPage: true });
    });

    await check('the old case\'s address now opens the merged case', async () => {
      await p.goto(BASE + '/cases/' + CASE_A);
      expect(new URL(p.url()).pathname === '/cases/' + CASE_B, 'url: ' + p.url());
    });

    await check('the cases list shows the merged case once', async () => {
      await p.goto(BASE + '/cases');
      const codes = await p.$$eval('#cases-table a.case', (t) => t.map((a) => a.textContent));
      expect(codes.join(',') === 'HN-11/2026', 'codes: ' + codes.join(','));
    });

    await check('no script or CSP errors on these pages', async () => {
      expect(errors.length === 0, errors.join(' | '));
    });

    await check('a Quảng Ninh reviewer gets no Hà Nội case and no merge form', async () => {
      await ctx.clearCookies();
      await login(p, 'qn_rev');
      const r = await p.goto(BASE + '/cases/' + CASE_B);
      expect(r.status() === 404, 'status ' + r.status());
      expect((await p.$('#merge-form')) === null, 'merge form shown');
    });
  } finally {
    await ctx.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(() => process.exit(failures ? 1 : 0), (e) => { console.log('not ok - browser script: ' + e.message); process.exit(1); });
