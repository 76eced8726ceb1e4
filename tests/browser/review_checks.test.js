// tests/browser/review_checks.test.js — driven by review_checks.sh (which seeds the
// database and starts ancong web).  Prints TAP-style "ok - ..." / "not ok - ..." lines.
// A reviewer types an impossible date: the server's message is shown, the field is
// marked, approving is refused until it is fixed; the box saying why a document is
// in the queue (the readers' warnings, an unsure type); a document queued for
// fields its type carries but that were not found opens on the first of them,
// so Enter does not approve it unseen; an indexed document is reopened with Alt+O.
'use strict';
const { chromium } = require('playwright-core');
const fs = require('fs');
const os = require('os');
const path = require('path');

const { BASE, PASS, SHOTS, DOC_F, DOC_W, DOC_T, DOC_M, DOC_I, W1, W2 } = process.env;
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
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1440, height: 900 },
    locale: 'vi-VN',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const p = ctx.pages()[0] || await ctx.newPage();
    p.setDefaultTimeout(15000);
    p.on('pageerror', (e) => console.log('# page error: ' + e.message));
    await p.goto(BASE + '/login');
    await p.fill('#username', 'hn_rev');
    await p.fill('#password', PASS);
    await Promise.all([p.waitForNavigation(), p.click('#login-submit')]);

    await p.goto(BASE + '/review/' + DOC_F);
    await check('the date field shows the form to type (28/04/2026)', async () => {
      const ph = await p.getAttribute('#fld-ngay_ban_hanh', 'placeholder');
      const lab = await p.textContent('label[for="fld-ngay_ban_hanh"]');
      expect(ph === '28/04/2026', 'placeholder ' + ph);
      expect(/dạng 28\/04\/2026/.test(lab), 'label ' + lab);
    });
    await check('the province field offers the list of ids with their names', async () => {
      const opts = await p.$$eval('#choices-tinh option', (os) => os.map((o) => o.value + '=' + o.label));
      expect(opts.length === 6 && opts[0] === 'ha_noi=Hà Nội', JSON.stringify(opts));
      expect(await p.getAttribute('#fld-tinh', 'list') === 'choices-tinh', 'input not tied to the list');
    });

    await check('an impossible date is refused and the server\'s message is shown', async () => {
      await p.click('#fld-ngay_ban_hanh');
      await p.keyboard.press('Control+A');
      await p.keyboard.type('31/02/2026');
      await p.keyboard.press('Enter');
      await p.waitForFunction(() => /Ngày không hợp lệ/.test(document.getElementById('flash').textContent));
      const f = await p.$eval('#flash', (e) => ({ text: e.textContent, cls: e.className, hidden: e.hidden }));
      expect(!f.hidden && /error/.test(f.cls), 'flash ' + JSON.stringify(f));
      expect(/«31\/02\/2026»/.test(f.text) && /28\/04\/2026/.test(f.text) && /chưa được lưu/.test(f.text), f.text);
      const row = await p.getAttribute('.field[data-name="ngay_ban_hanh"]', 'class');
      expect(/invalid/.test(row), 'row ' + row);
      await p.screenshot({ path: path.join(SHOTS, 'review-date-refused.png') });
    });

    await check('approving is refused while a correction is refused, and says which', async () => {
      await p.keyboard.press('Control+Enter');
      await p.waitForFunction(() => /trước khi duyệt/.test(document.getElementById('flash').textContent));
      expect(p.url().endsWith('/review/' + DOC_F), 'left the page: ' + p.url());
      expect(await p.evaluate(() => document.activeElement.id) === 'fld-ngay_ban_hanh', 'focus not on the date');
      const st = await p.evaluate((id) => fetch('/api/documents/' + id).then((r) => r.json()), DOC_F);
      expect(st.status === 'needs_review', 'status ' + st.status);
    });

    await check('the date typed the Vietnamese way is saved and shown as stored (ISO)', async () => {
      await p.focus('#fld-ngay_ban_hanh');
      await p.keyboard.press('Control+A');
      await p.keyboard.type('29/04/2026');
      await p.keyboard.press('Enter');
      await p.waitForFunction(() => /Đã lưu/.test(document.getElementById('flash').textContent));
      await p.waitForFunction(() => document.getElementById('fld-ngay_ban_hanh').value === '2026-04-29');
      const row = await p.getAttribute('.field[data-name="ngay_ban_hanh"]', 'class');
      expect(!/invalid/.test(row), 'still marked ' + row);
    });

    await check('then Ctrl+Enter approves and opens the next document', async () => {
      await Promise.all([p.waitForNavigation(), p.keyboard.press('Control+Enter')]);
      expect(!p.url().endsWith('/review/' + DOC_F), 'still on ' + p.url());
    });

    await p.goto(BASE + '/review/' + DOC_W);
    await check('the review screen shows the readers\' warnings as written, under a Vietnamese heading', async () => {
      expect(await p.isVisible('#review-why'), 'box hidden');
      expect(await p.isVisible('#doc-warnings'), 'warnings hidden');
      const h = await p.textContent('#review-why h2');
      expect(h === 'Vì sao tài liệu cần duyệt', 'heading ' + h);
      const items = await p.$$eval('#warning-list li', (ls) => ls.map((l) => l.textContent));
      expect(JSON.stringify(items) === JSON.stringify([W1, W2]), JSON.stringify(items));
      expect(await p.$$eval('#warning-list b', (b) => b.length) === 0, 'warning text was read as HTML');
      expect(!(await p.isVisible('#type-unsure')), 'type said unsure');
      await p.screenshot({ path: path.join(SHOTS, 'review-warnings.png') });
    });

    await p.goto(BASE + '/review/' + DOC_T);
    await check('the review screen says when the type is unsure', async () => {
      expect(await p.isVisible('#review-why'), 'box hidden');
      const t = await p.textContent('#type-unsure');
      expect(await p.isVisible('#type-unsure') && /Loại văn bản chưa chắc \(độ tin cậy 31%\)/.test(t), t);
      expect(!(await p.isVisible('#doc-warnings')), 'empty warnings shown');
    });

    await p.goto(BASE + '/review/' + DOC_M);
    await check('a document missing fields opens on the first missing field (Người ký), not on Approve', async () => {
      await p.waitForFunction(() => document.activeElement && document.activeElement.id !== '' &&
                                    document.activeElement !== document.body);
      const a = await p.evaluate(() => document.activeElement.id);
      expect(a === 'fld-nguoi_ky', 'focus on ' + a);
    });
    await check('Enter there goes on to the next missing field (Lĩnh vực), the document stays unapproved', async () => {
      await p.keyboard.press('Enter');
      await p.waitForFunction(() => document.activeElement.id !== 'fld-nguoi_ky');
      const a = await p.evaluate(() => document.activeElement.id);
      expect(a === 'fld-linh_vuc', 'focus on ' + a);
      await p.waitForFunction(() => !window.ancongBusy());
      const st = await p.evaluate((id) => fetch('/api/documents/' + id).then((r) => r.json()), DOC_M);
      expect(st.status === 'needs_review', 'status ' + st.status);
      expect(p.url().endsWith('/review/' + DOC_M), 'left the page: ' + p.url());
    });
    await check('once both are visited, Enter reaches Approve', async () => {
      await p.keyboard.press('Enter');
      await p.waitForFunction(() => document.activeElement.id === 'approve');
    });

    await p.goto(BASE + '/review/' + DOC_I);
    await check('an indexed document shows "Mở lại để sửa", its fields read-only', async () => {
      await p.waitForSelector('#reopen', { state: 'visible' });
      expect(await p.isDisabled('#approve'), 'approve enabled');
    });
    await check('Alt+O reopens it: back in review, editable, the button gone', async () => {
      await p.keyboard.press('Alt+KeyO');
      await p.waitForSelector('#reopen', { state: 'hidden' });
      await p.waitForFunction(() => !window.ancongBusy());
      const st = await p.evaluate((id) => fetch('/api/documents/' + id).then((r) => r.json()), DOC_I);
      expect(st.status === 'needs_review' && st.editable, 'status ' + st.status + ' editable ' + st.editable);
      expect(!(await p.isDisabled('#approve')), 'approve still disabled');
    });
  } finally {
    await ctx.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(() => process.exit(failures ? 1 : 0), (e) => {
  console.log('not ok - browser script: ' + (e && e.stack ? e.stack.split('\n')[0] : e));
  process.exit(1);
});
