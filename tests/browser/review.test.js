// tests/browser/review.test.js — driven by run.sh, which starts ancong web and
// seeds the database.  Prints TAP-style "ok - ..." / "not ok - ..." lines.
// Browser: Debian's /usr/bin/chromium (Playwright never downloads one), each
// context a separate headless browser with a new, empty user-data-dir.
'use strict';
const { chromium } = require('playwright-core');
const fs = require('fs');
const os = require('os');
const path = require('path');

const { BASE, PASS, SHOTS, DOC_A, DOC_B, DOC_C, DOC_D } = process.env;
let failures = 0;
const contexts = [];

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

async function browser() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ancong-chromium-'));
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1440, height: 900 },
    locale: 'vi-VN',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  contexts.push({ ctx, dir });
  const page = ctx.pages()[0] || await ctx.newPage();
  page.setDefaultTimeout(15000);
  page.on('pageerror', (e) => console.log('# page error: ' + e.message));
  return { ctx, page };
}

async function login(page, user, pass) {
  await page.goto(BASE + '/login');
  await page.fill('#username', user);
  await page.fill('#password', pass);
  await Promise.all([page.waitForNavigation(), page.click('#login-submit')]);
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage: false });
}

// The keystrokes a reviewer makes, apart from typing the corrections.
let keystrokes = 0;
async function key(page, k) { keystrokes++; await page.keyboard.press(k); }

async function focused(page) { return page.evaluate(() => document.activeElement && document.activeElement.id); }

async function main() {
  const one = await browser();
  const p = one.page;

  await check('the login page is in Vietnamese and a wrong password is refused', async () => {
    await login(p, 'hn_rev', 'sai-mat-khau-123');
    expect(p.url().endsWith('/login'), 'not on the login page: ' + p.url());
    const msg = await p.textContent('#login-error');
    expect(/không đúng/.test(msg), 'message: ' + msg);
    await shot(p, '01-login-error');
  });

  await check('SQL injection through the login form does not log in', async () => {
    await login(p, "' OR '1'='1' --", "' OR '1'='1' --");
    expect(p.url().endsWith('/login'), 'logged in?! ' + p.url());
  });

  await check('a reviewer logs in and sees the queue of their province (and its regional unit)', async () => {
    await login(p, 'hn_rev', PASS);
    expect(p.url().endsWith('/queue'), 'at ' + p.url());
    const text = await p.textContent('#queue-table');
    expect(text.includes('kien_nghi_0007.pdf'), 'own document missing');
    expect(text.includes('bien_ban_kv3.tif'), 'regional unit document missing');
    expect(!text.includes('qn_quyet_dinh.pdf'), 'another province is listed');
    const first = await p.getAttribute('#queue-table tbody tr:first-child', 'data-id');
    expect(first === DOC_A, 'first in queue is ' + first + ', want the closest deadline ' + DOC_A);
    await shot(p, '02-queue');
  });

  await check('the session cookie is HttpOnly and SameSite=Strict', async () => {
    const c = (await one.ctx.cookies(BASE)).find((x) => x.name === 'ancong_s');
    expect(c && c.httpOnly && c.sameSite === 'Strict', JSON.stringify(c));
    expect(await p.evaluate(() => document.cookie.indexOf('ancong_s') < 0), 'cookie visible to scripts');
  });

  await check('SQL injection through the queue filters finds nothing and breaks nothing', async () => {
    const r = await p.goto(BASE + "/queue?case=" + encodeURIComponent("' OR 1=1 --") +
      "&station=" + encodeURIComponent("x' OR 'a'='a"));
    expect(r.status() === 200, 'status ' + r.status());
    expect(await p.isVisible('#queue-empty'), 'rows listed');
    const r2 = await p.goto(BASE + "/queue?type=" + encodeURIComponent("khac'; DROP TABLE documents; --"));
    expect(r2.status() === 200, 'status ' + r2.status());
  });

  await check('correct three fields and approve by keyboard in under 10 keystrokes', async () => {
    await p.goto(BASE + '/queue');
    keystrokes = 0;
    await Promise.all([p.waitForURL('**/review/' + DOC_A), key(p, 'Enter')]);    // open the first document
    await p.waitForFunction(() => document.activeElement && document.activeElement.id === 'fld-so_van_ban');
    await p.waitForSelector('#field-box:not([hidden])');
    await shot(p, '03-review');
    await p.keyboard.type('07/KN-VKS-DS');
    await key(p, 'Enter');
    expect(await focused(p) === 'fld-ngay_ban_hanh', 'focus after first Enter: ' + await focused(p));
    await p.keyboard.type('2026-03-05');
    await key(p, 'Enter');
    expect(await focused(p) === 'fld-nguoi_ky', 'focus after second Enter: ' + await focused(p) + ' ' + await p.evaluate(() => Array.from(document.querySelectorAll('#fields .field')).map((r) => r.dataset.name + ':' + r.className + ':' + r.querySelector('.conf').textContent).join(' ')));
    await p.keyboard.type('Nguyễn Văn An');
    await key(p, 'Enter');
    expect(await focused(p) === 'approve', 'focus after third Enter: ' + await focused(p));
    await Promise.all([p.waitForURL((u) => !u.pathname.endsWith('/review/' + DOC_A)), key(p, 'Control+Enter')]);
    console.log('# keystrokes beyond typing the corrections: ' + keystrokes +
      ' (Enter to open, Enter per field, Ctrl+Enter to approve)');
    fs.writeFileSync(path.join(SHOTS, 'keystrokes.txt'), String(keystrokes) + '\n');
    expect(keystrokes < 10, keystrokes + ' keystrokes');
  });

  await check('the approved document shows its revisions (who, old, new) and is read-only', async () => {
    await p.goto(BASE + '/review/' + DOC_A);
    const rev = await p.textContent('#revisions');
    for (const s of ['O7/KN-VKS-D5', '07/KN-VKS-DS', '2026-03-06', '2026-03-05', 'Nguyễn Văn An', 'Nguyễn Thị Duyệt'])
      expect(rev.includes(s), 'revision table lacks ' + s);
    expect((await p.textContent('#doc-status')) === 'Đã duyệt', 'status ' + await p.textContent('#doc-status'));
    expect(await p.evaluate(() => document.getElementById('fld-so_van_ban').readOnly), 'still editable');
    await shot(p, '04-approved-revisions');
  });

  const two = await browser();
  await login(two.page, 'hn_rev2', PASS);
  await check('a second reviewer editing the same document gets a clear conflict, not an overwrite', async () => {
    await Promise.all([p.goto(BASE + '/review/' + DOC_B), two.page.goto(BASE + '/review/' + DOC_B)]);
    await p.waitForFunction(() => document.activeElement.id === 'fld-so_van_ban');
    await two.page.waitForFunction(() => document.activeElement.id === 'fld-so_van_ban');
    await p.keyboard.type('12/BB-VKS-KV3');
    await p.keyboard.press('Enter');
    await p.waitForFunction(() => /Đã lưu/.test(document.getElementById('flash').textContent));
    await two.page.keyboard.type('12/BB-VKS-SAI');
    await two.page.keyboard.press('Enter');
    await two.page.waitForFunction(() => /Xung đột/.test(document.getElementById('flash').textContent));
    const msg = await two.page.textContent('#flash');
    expect(/Nguyễn Thị Duyệt/.test(msg) && /CHƯA được lưu/.test(msg), 'message: ' + msg);
    await shot(two.page, '05-conflict');
  });

  await check('another province\'s document is 404 by page, API, image and change', async () => {
    const r = await p.goto(BASE + '/review/' + DOC_C);
    expect(r.status() === 404, 'page status ' + r.status());
    expect(!(await p.content()).includes('Bí mật của tỉnh khác'), 'content leaked');
    await shot(p, '06-cross-province-404');
    await p.goto(BASE + '/queue');
    const st = await p.evaluate(async (id) => {
      const csrf = document.querySelector('meta[name="csrf-token"]').content;
      const h = { 'X-CSRF-Token': csrf, 'Content-Type': 'application/x-www-form-urlencoded' };
      const get = await fetch('/api/documents/' + id);
      const img = await fetch('/documents/' + id + '/pages/1.jpg');
      const fld = await fetch('/api/documents/' + id + '/fields', { method: 'POST', headers: h, body: 'version=1&name=so_van_ban&value=x' });
      const apr = await fetch('/api/documents/' + id + '/approve', { method: 'POST', headers: h, body: 'version=1' });
      return [get.status, img.status, fld.status, apr.status];
    }, DOC_C);
    expect(st.every((s) => s === 404), 'statuses ' + st.join(','));
  });

  await check('a change without the CSRF token is refused', async () => {
    const st = await p.evaluate(async (id) => {
      const a = await fetch('/api/documents/' + id + '/fields', { method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'version=1&name=so_van_ban&value=x' });
      const b = await fetch('/api/documents/' + id + '/approve', { method: 'POST',
        headers: { 'X-CSRF-Token': 'f'.repeat(64) }, body: 'version=1' });
      return [a.status, b.status];
    }, DOC_D);
    expect(st[0] === 403 && st[1] === 403, 'statuses ' + st.join(','));
  });

  await check('OCR text, file name and field values with <script> render as text', async () => {
    await p.goto(BASE + '/review/' + DOC_D);
    await p.waitForTimeout(300);
    expect(await p.evaluate(() => window.__pwned === undefined), 'a script ran');
    const ocr = await p.textContent('#ocr');
    expect(ocr.includes('<script>window.__pwned=1</script>'), 'OCR text not shown as text: ' + ocr);
    expect((await p.textContent('#doc-file')) === '<img src=x onerror="window.__pwned=1">.pdf', 'file name');
    expect(await p.$$eval('#ocr script, #doc-file img, #fields script', (n) => n.length) === 0, 'elements injected');
    expect((await p.inputValue('#fld-trich_yeu')) === '"><script>window.__pwned=1</script>', 'field value');
    await shot(p, '07-hostile-text');
    await p.goto(BASE + '/queue');
    expect(await p.evaluate(() => window.__pwned === undefined), 'a script ran in the queue');
    expect(await p.$$eval('#queue-table img', (n) => n.length) === 0, 'img injected in the queue');
  });

  await check('SQL injection through a field correction is stored as plain text', async () => {
    await p.goto(BASE + '/review/' + DOC_D);
    await p.waitForFunction(() => document.activeElement && document.activeElement.id === 'fld-trich_yeu');
    await p.keyboard.type("x'); DROP TABLE fields; --");
    await p.keyboard.press('Enter');
    await p.waitForFunction(() => /Đã lưu/.test(document.getElementById('flash').textContent));
    await p.reload();
    expect((await p.inputValue('#fld-trich_yeu')) === "x'); DROP TABLE fields; --", 'value ' + await p.inputValue('#fld-trich_yeu'));
  });

  await check('changing the document type re-lists its fields', async () => {
    await p.goto(BASE + '/review/' + DOC_D);
    expect(await p.$('#fld-bi_don') === null, 'khac has no bi_don');
    await p.selectOption('#doc-type', 'quyet_dinh_khoi_kien');
    await p.waitForSelector('#fld-bi_don');
    await p.waitForSelector('#fld-nguyen_don');
    const rev = await p.textContent('#revisions');
    expect(rev.includes('Loại văn bản') && rev.includes('Quyết định khởi kiện') && rev.includes('Tài liệu khác'), 'type change not in revisions: ' + rev);
  });

  await check('Ctrl+→ skips to the next document in the queue without changing this one', async () => {
    await p.goto(BASE + '/review/' + DOC_B);
    await p.waitForFunction(() => document.activeElement && document.activeElement.id.startsWith('fld-') || document.activeElement.id === 'approve');
    await Promise.all([p.waitForURL((u) => !u.pathname.endsWith('/review/' + DOC_B)), p.keyboard.press('Control+ArrowRight')]);
    expect(/\/review\/\d+$/.test(new URL(p.url()).pathname), 'went to ' + p.url());
  });

  await check('the page image is rendered by the server and zooms', async () => {
    await p.goto(BASE + '/review/' + DOC_B);
    await p.waitForFunction(() => { const i = document.getElementById('page-img'); return i.complete && i.naturalWidth > 0; });
    const w0 = await p.evaluate(() => document.getElementById('page-img').getBoundingClientRect().width);
    await p.keyboard.press('Control+=');
    const w1 = await p.evaluate(() => document.getElementById('page-img').getBoundingClientRect().width);
    expect(w1 > w0 * 1.2, 'zoom ' + w0 + ' -> ' + w1);
  });

  const three = await browser();
  await check('login throttling: after 5 failures even the right password is refused, in Vietnamese', async () => {
    for (let i = 0; i < 5; i++) await login(three.page, 'hn_lock', 'sai-' + i + '-abcdefgh');
    await login(three.page, 'hn_lock', PASS);
    expect(three.page.url().endsWith('/login'), 'logged in despite throttling');
    const msg = await three.page.textContent('#login-error');
    expect(/quá nhiều lần/.test(msg) && /phút/.test(msg), 'message: ' + msg);
    await shot(three.page, '08-throttled');
  });

  await check('an operator may look but not change', async () => {
    await login(three.page, 'hn_op', PASS);
    const st = await three.page.evaluate(async (id) => {
      const csrf = document.querySelector('meta[name="csrf-token"]').content;
      const r = await fetch('/api/documents/' + id + '/approve', { method: 'POST',
        headers: { 'X-CSRF-Token': csrf, 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'version=1' });
      return r.status;
    }, DOC_D);
    expect(st === 403, 'status ' + st);
  });

  await check('the search box finds text without diacritics, only in the user\'s province', async () => {
    await p.goto(BASE + '/queue');
    await p.fill('form.topsearch input', 'khac phuc vi pham');
    await Promise.all([p.waitForNavigation(), p.press('form.topsearch input', 'Enter')]);
    const t = await p.textContent('#search-results');
    expect(t.includes('kien_nghi_0007.pdf'), 'Hà Nội hit missing: ' + t);
    await shot(p, '09-search');
    await p.goto(BASE + '/search?q=' + encodeURIComponent('bi mat cua tinh khac'));
    expect(await p.isVisible('#search-empty'), 'another province\'s text was found');
    const r = await p.goto(BASE + '/search?q=' + encodeURIComponent("' OR 1=1; DROP TABLE pages; --"));
    expect(r.status() === 200, 'status ' + r.status());
    await p.goto(BASE + '/search?q=' + encodeURIComponent('<script>window.__pwned=1</script>'));
    expect(await p.evaluate(() => window.__pwned === undefined), 'a script ran from the search box');
  });

  await check('logging out ends the session', async () => {
    await two.page.goto(BASE + '/queue');
    await Promise.all([two.page.waitForNavigation(), two.page.click('header form button')]);
    expect(two.page.url().endsWith('/login'), 'at ' + two.page.url());
    await two.page.goto(BASE + '/queue');
    expect(two.page.url().endsWith('/login'), 'queue reachable after logout');
  });
}

main().catch((e) => notOk('browser test run', e && e.stack)).finally(async () => {
  for (const c of contexts) {
    await c.ctx.close().catch(() => {});
    fs.rmSync(c.dir, { recursive: true, force: true });
  }
  process.exit(failures ? 1 : 0);
});
