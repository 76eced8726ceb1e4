/* ancong: the review screen.  Keyboard first:
 *   Enter        save the field (or accept it unchanged) and go to the next field that needs a look
 *   Tab/Shift+Tab move between fields (a changed field is saved when left)
 *   Ctrl+Enter   approve the document (pending changes are saved first)
 *   Alt+O        reopen an indexed document for correction
 *   Ctrl+→       skip to the next document in the queue
 *   Alt+↑/↓      previous/next page      Ctrl+= / Ctrl+-  zoom
 *   Alt+V        type a case code, Enter attaches the document to that case
 *   Alt+[ / Alt+]  a part of a split file starts one page earlier / later
 *   Alt+, / Alt+.  a part of a split file ends one page earlier / later
 *   Alt+M        merge this part with the next one
 *   Alt+S        split: the page shown starts a new part (a part, or a whole file not split yet)
 * After a move, merge or split the parts are re-analysed by a worker; the
 * screen shows "re-analysing" and polls until the new type and fields are in.
 * Every value shown comes from the server as JSON and is put in the page with
 * textContent or .value, never as HTML. */
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var doc = JSON.parse($('doc-data').textContent);
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute('content');
  var cur = -1, pageNo = 1, zoom = 1, chain = Promise.resolve(), busy = 0;
  var invalid = {};      /* field name -> the server's message, while a refused value is not fixed */

  function flash(msg, kind) {
    var f = $('flash');
    f.textContent = msg;
    f.className = 'flash ' + (kind || 'info');
    f.hidden = !msg;
  }

  function post(action, params) {
    params.version = String(doc.version);
    var body = new URLSearchParams(params);
    busy++;
    return fetch('/api/documents/' + doc.id + '/' + action, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'X-CSRF-Token': csrf, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: body
    }).then(function (r) {
      return r.json().catch(function () { return { message: 'Lỗi máy chủ (' + r.status + ').' }; })
        .then(function (j) { busy--; if (!r.ok) { j.status = r.status; throw j; } return j; });
    }, function () { busy--; throw { message: 'Mất kết nối tới máy chủ. Thay đổi chưa được lưu.' }; });
  }

  /* Serialise writes: each carries the version the previous one returned. */
  function enqueue(fn) {
    chain = chain.then(fn, fn);
    return chain;
  }

  /* A field needs a look when it was read with low confidence and nobody has
   * checked it yet (a field the document does not print stays empty). */
  function needsLook(f) { return !f.reviewed && !!f.value && f.confidence < doc.threshold; }
  /* A field the type carries that was not found (the queue's "Thiếu: ...")
   * and that nobody has looked at yet. */
  function missing(f) { return !f.reviewed && !f.value && !!f.expected; }
  /* Missing fields are stops for Enter when they are why the document is
   * queued (the queue says "Thiếu: ..." when no field is unsure); with
   * unsure fields, Enter goes from one to the next and then to Approve. */
  var stopAtMissing = !doc.fields.some(needsLook);
  /* The first field from index `from` on (wrapping; field `skip` left out)
   * that needs a look, else the first missing one (when those are stops, or
   * `first`), else null. */
  function firstToVisit(from, skip, first) {
    var n = doc.fields.length, tests = stopAtMissing || first ? [needsLook, missing] : [needsLook];
    for (var t = 0; t < tests.length; t++)
      for (var k = 0; k < n; k++) {
        if ((from + k) % n === skip) continue;
        var f = doc.fields[(from + k) % n];
        if (tests[t](f)) return $('fld-' + f.name);
      }
    return null;
  }

  function renderMeta() {
    var m = $('doc-meta');
    m.textContent = '';
    [['Trạng thái', doc.reanalyzing ? 'Đang phân tích lại' : doc.status_vi], ['Trạm quét', doc.station], ['Vụ việc', doc.case],
     ['Đơn vị', doc.unit], ['Nhận lúc', doc.received], ['Phiên bản', String(doc.version)]]
      .concat(doc.error && !doc.reanalyzing ? [['Lỗi', doc.error]] : [])
      .forEach(function (kv) {
        var dt = document.createElement('dt'), dd = document.createElement('dd');
        dt.textContent = kv[0]; dd.textContent = kv[1] || '—';
        if (kv[0] === 'Phiên bản') dd.id = 'doc-version';
        if (kv[0] === 'Trạng thái') dd.id = 'doc-status';
        if (kv[0] === 'Lỗi') { dd.id = 'doc-error'; dd.className = 'error'; dd.setAttribute('role', 'alert'); }
        m.appendChild(dt); m.appendChild(dd);
      });
    renderWhy();
    var sel = $('doc-type');
    if (!sel.options.length) {
      doc.doc_types.forEach(function (t) {
        var o = document.createElement('option');
        o.value = t.id; o.textContent = t.name;
        sel.appendChild(o);
      });
    }
    var ci = $('case-code'), cl = $('case-link');
    if (document.activeElement !== ci) ci.value = doc.case || '';
    ci.readOnly = !doc.editable;
    $('case-attach').disabled = !doc.editable;
    cl.hidden = !doc.case_id;
    if (doc.case_id) cl.setAttribute('href', '/cases/' + doc.case_id);
    var pt = doc.part;
    $('part').hidden = !pt && !doc.can_split && !doc.reanalyzing;
    $('part-range').textContent = pt ? 'Phần của tệp gộp: trang ' + pt.first_page + '–' + pt.last_page +
      (pt.file_pages ? ' / ' + pt.file_pages : '') : 'Tệp ' + doc.pages.length + ' trang';
    var pe = doc.parts_editable;
    $('start-up').disabled = $('start-down').disabled = !pe || !pt || !pt.has_prev;
    $('end-up').disabled = $('end-down').disabled = !pe || !pt || !pt.has_next;
    $('merge-next').disabled = !pe || !pt || !pt.can_merge_next;
    $('split-here').disabled = !pe || !doc.can_split;
    $('reanalyzing').hidden = !doc.reanalyzing;
    document.body.classList.toggle('reanalyzing', !!doc.reanalyzing);
    sel.value = doc.doc_type;
    sel.disabled = !doc.editable;
    $('approve').disabled = !doc.editable;
    $('reopen').hidden = !doc.can_reopen;
    /* a file split into parts: its parts are reviewed, each on its own */
    var parts = doc.bundle_parts || [], bl = $('bundle-list');
    bl.textContent = '';
    parts.forEach(function (pt) {
      var li = document.createElement('li'), a = document.createElement('a');
      a.href = '/review/' + pt.id;
      a.className = 'bundle-part';
      a.textContent = 'Trang ' + pt.first_page + '–' + pt.last_page + ': ' + pt.doc_type;
      li.appendChild(a);
      li.appendChild(document.createTextNode(' (' + pt.status_vi + ')'));
      bl.appendChild(li);
    });
    $('bundle-parts').hidden = !parts.length;
    $('approve').hidden = !!parts.length;
  }

  /* Why the document is in the queue besides its unsure fields: an unsure
   * type, and what the readers had to work around (as they wrote it). */
  function renderWhy() {
    var unsure = doc.doc_type_confidence < doc.threshold;
    var tu = $('type-unsure');
    tu.textContent = unsure ? 'Loại văn bản chưa chắc (độ tin cậy ' + Math.round(doc.doc_type_confidence * 100) +
      '%): kiểm tra ô "Loại văn bản".' : '';
    tu.hidden = !unsure;
    var ws = doc.warnings || [], ul = $('warning-list');
    ul.textContent = '';
    ws.forEach(function (w) {
      var li = document.createElement('li'); li.textContent = w; ul.appendChild(li);
    });
    $('doc-warnings').hidden = !ws.length;
    $('review-why').hidden = !unsure && !ws.length;
  }

  function rowClass(f, i) {
    return 'field' + (needsLook(f) ? ' low' : '') + (f.reviewed ? ' reviewed' : '') +
      (invalid[f.name] ? ' invalid' : '') + (i === cur ? ' current' : '');
  }

  function renderFields(focusName) {
    var form = $('fields');
    form.textContent = '';
    doc.fields.forEach(function (f, i) {
      var row = document.createElement('div');
      row.className = rowClass(f, -1);
      row.dataset.name = f.name;
      var lab = document.createElement('label');
      lab.htmlFor = 'fld-' + f.name;
      lab.textContent = f.label;
      var conf = document.createElement('span');
      conf.className = 'conf';
      conf.textContent = f.reviewed ? '✓ đã xem' : (f.value ? Math.round(f.confidence * 100) + '%' : 'trống');
      /* the forms the server takes (web/fieldcheck.c); it stores ISO dates and list ids */
      var fmt = null;
      if (f.name === 'ngay_ban_hanh') fmt = 'dạng 28/04/2026';
      else if (f.choices) fmt = 'chọn trong danh sách';
      if (fmt) {
        var fs = document.createElement('span');
        fs.className = 'fmt'; fs.textContent = fmt;
        lab.appendChild(fs);
      }
      lab.appendChild(conf);
      var inp = document.createElement(f.name === 'trich_yeu' ? 'textarea' : 'input');
      inp.id = 'fld-' + f.name;
      inp.name = f.name;
      if (f.name === 'ngay_ban_hanh') {
        inp.placeholder = '28/04/2026';
        inp.title = 'Ngày/tháng/năm (28/04/2026), 2026-04-28 hoặc "ngày 28 tháng 4 năm 2026"; lưu dạng 2026-04-28';
      }
      if (f.choices) {
        var dl = document.createElement('datalist');
        dl.id = 'choices-' + f.name;
        f.choices.forEach(function (c) {
          var o = document.createElement('option');
          o.value = c.id; o.label = c.name; o.textContent = c.name;
          dl.appendChild(o);
        });
        row.appendChild(dl);
        inp.setAttribute('list', dl.id);
        inp.title = f.choices.map(function (c) { return c.id + ' (' + c.name + ')'; }).join(', ');
      }
      inp.value = f.value;
      inp.readOnly = !doc.editable;
      if (inp.tagName === 'TEXTAREA') inp.rows = 2;
      inp.dataset.orig = f.value;
      inp.addEventListener('focus', function () { select(i); inp.select(); });
      inp.addEventListener('keydown', function (ev) { onFieldKey(ev, i, inp); });
      inp.addEventListener('change', function () { if (doc.editable && inp.value !== inp.dataset.orig) save(i, inp, false); });
      row.appendChild(lab);
      row.appendChild(inp);
      form.appendChild(row);
    });
    var target = null;
    if (focusName) target = $('fld-' + focusName);
    if (!target && doc.bundle_parts && doc.bundle_parts.length) target = document.querySelector('#bundle-list a');
    if (!target) {
      /* a low-confidence field, else a missing one, else Approve: Enter
       * never approves a document whose gaps nobody has visited */
      target = doc.fields.length ? firstToVisit(0, -1, true) : null;
      if (!target && doc.editable) target = $('approve');
      else if (!target && doc.fields.length) target = $('fld-' + doc.fields[0].name);
    }
    if (target) target.focus();
  }

  function renderRevisions() {
    var tb = $('revisions').tBodies[0];
    tb.textContent = '';
    doc.revisions.forEach(function (r) {
      var tr = document.createElement('tr');
      [r.label, r.old, r.new, r.by, r.at].forEach(function (v) {
        var td = document.createElement('td'); td.textContent = v; tr.appendChild(td);
      });
      tb.appendChild(tr);
    });
  }

  /* Pages are numbered as in the file (a part of a split bundle starts
   * where its range starts); pageNo is such a number. */
  function pageIndex(n) {
    for (var i = 0; i < doc.pages.length; i++) if (doc.pages[i].number === n) return i;
    return -1;
  }
  function stepPage(d) {
    var i = pageIndex(pageNo) + d;
    if (i >= 0 && i < doc.pages.length) showPage(doc.pages[i].number);
  }
  function showPage(n) {
    if (pageIndex(n) < 0) n = doc.pages.length ? doc.pages[0].number : 1;
    pageNo = n;
    var img = $('page-img');
    var src = '/documents/' + doc.id + '/pages/' + pageNo + '.jpg?w=1600';
    if (img.getAttribute('src') !== src) img.setAttribute('src', src);
    $('page-label').textContent = 'Trang ' + (pageIndex(pageNo) + 1) + '/' + Math.max(doc.pages.length, 1);
    var pres = document.querySelectorAll('#ocr .ocr-text');
    for (var i = 0; i < pres.length; i++) pres[i].hidden = pres[i].dataset.page !== String(pageNo);
    drawBox();
  }

  function setZoom(z) {
    zoom = Math.min(Math.max(z, 0.5), 4);
    $('pagewrap').style.width = (zoom * 100) + '%';
    $('zoom-label').textContent = Math.round(zoom * 100) + '%';
    drawBox();
  }

  function drawBox() {
    var box = $('field-box'), f = doc.fields[cur];
    var pg = doc.pages[pageIndex(pageNo)];
    if (!f || !f.bbox || f.page !== pageNo || !pg || !pg.width || !pg.height) { box.hidden = true; return; }
    box.style.left = (100 * f.bbox[0] / pg.width) + '%';
    box.style.top = (100 * f.bbox[1] / pg.height) + '%';
    box.style.width = (100 * (f.bbox[2] - f.bbox[0]) / pg.width) + '%';
    box.style.height = (100 * (f.bbox[3] - f.bbox[1]) / pg.height) + '%';
    box.hidden = false;
    box.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }

  function select(i) {
    cur = i;
    var rows = document.querySelectorAll('#fields .field');
    for (var k = 0; k < rows.length; k++) rows[k].classList.toggle('current', k === i);
    var f = doc.fields[i];
    if (f && f.page && f.page !== pageNo) showPage(f.page); else drawBox();
  }

  function nextTarget(i) {
    return (doc.fields.length && firstToVisit(i + 1, i, false)) || $('approve');
  }

  /* A saved change comes back as the whole document.  When the same fields
   * are listed, update the rows in place (the user may be typing in the next
   * field already); when the list changed (a new type), rebuild it. */
  function applyDoc(d) {
    var same = d.fields.length === doc.fields.length &&
      d.fields.every(function (f, i) { return f.name === doc.fields[i].name; });
    var local = {};
    doc.fields.forEach(function (f) { if (f.reviewed) local[f.name] = true; });
    doc = d;
    renderMeta();
    renderRevisions();
    if (!same) { renderFields(null); drawBox(); return; }
    var rows = document.querySelectorAll('#fields .field');
    doc.fields.forEach(function (f, i) {
      var row = rows[i], inp = $('fld-' + f.name);
      if (local[f.name] && !f.reviewed) f.reviewed = true;   /* a save still on its way */
      row.className = rowClass(f, i);
      row.querySelector('.conf').textContent = f.reviewed ? '✓ đã xem' : (f.value ? Math.round(f.confidence * 100) + '%' : 'trống');
      if (inp.value === inp.dataset.orig && inp.value !== f.value) inp.value = f.value;
      inp.dataset.orig = f.value;
      inp.readOnly = !doc.editable;
    });
    drawBox();
  }

  function fail(e) {
    flash(e && e.message ? e.message : 'Lỗi không xác định.', e && e.status === 409 ? 'conflict' : 'error');
    if (e && e.status === 409) document.body.classList.add('conflict');
    throw e;
  }

  /* Save field i (a correction, or an acceptance when unchanged).  With
   * advance, the focus moves on at once to the next field that needs a look,
   * while the save runs; saves run one after another. */
  function save(i, inp, advance) {
    var f = doc.fields[i], name = f.name, value = inp.value;
    var unchanged = f.value === value && f.reviewed;
    inp.dataset.orig = value;            /* the blur that follows is not a second change */
    if (advance) {
      f.reviewed = true;
      var t = nextTarget(i);
      if (t) t.focus();
    }
    if (unchanged) return chain;
    return enqueue(function () {
      if (document.body.classList.contains('conflict')) return Promise.resolve();
      return post('fields', { name: name, value: value }).then(function (j) {
        delete invalid[name];
        inp.removeAttribute('aria-invalid');
        applyDoc(j.document);
        flash('Đã lưu: ' + f.label, 'ok');
      }, function (e) {
        f.reviewed = false;
        if (e && e.status === 400) {
          /* refused (an impossible date, a name not in the list): nothing
           * was stored; the field stays marked until it is fixed */
          invalid[name] = e.message;
          var row = inp.parentNode, k = doc.fields.findIndex(function (x) { return x.name === name; });
          if (row && k >= 0) row.className = rowClass(doc.fields[k], k);
          inp.setAttribute('aria-invalid', 'true');
          inp.dataset.orig = doc.fields[k] ? doc.fields[k].value : '';
        }
        fail(e);
      });
    }).catch(function () {});
  }

  function approve() {
    if (!doc.editable) return;
    var a = document.activeElement;
    if (a && a.dataset && a.dataset.orig !== undefined && a.value !== a.dataset.orig) {
      var i = doc.fields.findIndex(function (x) { return x.name === a.name; });
      if (i >= 0) save(i, a, false);
    }
    enqueue(function () {
      if (document.body.classList.contains('conflict')) return Promise.resolve();
      var bad = Object.keys(invalid);
      if (bad.length) {
        /* a correction was refused: approving now would sign the old value */
        flash(invalid[bad[0]] + ' Sửa trường này trước khi duyệt.', 'error');
        var b = $('fld-' + bad[0]);
        if (b) b.focus();
        return Promise.resolve();
      }
      return post('approve', {}).then(function (j) {
        doc = j.document;
        renderMeta();
        flash('Đã duyệt. Tài liệu đã được đưa vào hàng đợi ký số.', 'ok');
        location.assign(j.next ? '/review/' + j.next : '/queue');
      }, fail);
    }).catch(function () {});
  }

  function onFieldKey(ev, i, inp) {
    if (ev.key === 'Enter' && !ev.ctrlKey && !ev.metaKey && !ev.altKey && !ev.shiftKey) {
      ev.preventDefault();
      if (!doc.editable) { var t = nextTarget(i); if (t) t.focus(); return; }
      save(i, inp, true);
    }
  }

  document.addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); approve(); }
    else if (ev.key === 'ArrowRight' && ev.ctrlKey) { ev.preventDefault(); location.assign('/review/next?after=' + doc.id); }
    else if (ev.altKey && (ev.key === 'v' || ev.key === 'V' || ev.code === 'KeyV')) { ev.preventDefault(); $('case-code').focus(); $('case-code').select(); }
    else if (ev.altKey && ev.code === 'BracketLeft') { ev.preventDefault(); moveBoundary('start', -1); }
    else if (ev.altKey && ev.code === 'BracketRight') { ev.preventDefault(); moveBoundary('start', 1); }
    else if (ev.altKey && ev.code === 'Comma') { ev.preventDefault(); moveBoundary('end', -1); }
    else if (ev.altKey && ev.code === 'Period') { ev.preventDefault(); moveBoundary('end', 1); }
    else if (ev.altKey && ev.code === 'KeyM') { ev.preventDefault(); mergeNext(); }
    else if (ev.altKey && ev.code === 'KeyO') { ev.preventDefault(); reopen(); }
    else if (ev.altKey && ev.code === 'KeyS') { ev.preventDefault(); splitHere(); }
    else if (ev.altKey && ev.key === 'ArrowDown') { ev.preventDefault(); stepPage(1); }
    else if (ev.altKey && ev.key === 'ArrowUp') { ev.preventDefault(); stepPage(-1); }
    else if (ev.ctrlKey && (ev.key === '=' || ev.key === '+')) { ev.preventDefault(); setZoom(zoom * 1.25); }
    else if (ev.ctrlKey && ev.key === '-') { ev.preventDefault(); setZoom(zoom / 1.25); }
  });
  /* An indexed document (nobody had to look) back to review, to correct it. */
  function reopen() {
    if (!doc.can_reopen) return;
    enqueue(function () {
      return post('reopen', {}).then(function (j) {
        applyDoc(j.document);
        renderMeta();
        flash('Đã mở lại: tài liệu trở về hàng đợi duyệt, có thể sửa.', 'ok');
      }, fail);
    }).catch(function () {});
  }
  $('approve').addEventListener('click', approve);
  $('reopen').addEventListener('click', reopen);
  $('skip').addEventListener('click', function () { location.assign('/review/next?after=' + doc.id); });
  $('prev-page').addEventListener('click', function () { stepPage(-1); });
  $('next-page').addEventListener('click', function () { stepPage(1); });
  $('zoom-in').addEventListener('click', function () { setZoom(zoom * 1.25); });
  $('zoom-out').addEventListener('click', function () { setZoom(zoom / 1.25); });
  $('doc-type').addEventListener('change', function () {
    var t = $('doc-type').value;
    enqueue(function () {
      return post('type', { doc_type: t }).then(function (j) {
        applyDoc(j.document);
        flash('Đã đổi loại văn bản; danh sách trường đã cập nhật.', 'ok');
      }, fail);
    }).catch(function () {});
  });
  /* Move a boundary of this part by one page; the page list changes, so the
   * screen is reloaded from the server afterwards. */
  function moveBoundary(edge, delta) {
    var pt = doc.part;
    if (!doc.parts_editable || !pt || (edge === 'start' ? !pt.has_prev : !pt.has_next)) return;
    enqueue(function () {
      if (document.body.classList.contains('conflict')) return Promise.resolve();
      return post('boundary', { edge: edge, delta: String(delta) }).then(function (j) {
        doc = j.document;
        flash('Đã dời ranh giới: trang ' + doc.part.first_page + '–' + doc.part.last_page + '; đang phân tích lại.', 'ok');
        location.reload();
      }, fail);
    }).catch(function () {});
  }
  /* Merge this part with the next one, or split it so that the page shown
   * starts a new part; then the screen of the (first) part is loaded again
   * and waits for the re-analysis. */
  function changeParts(action, params, done) {
    enqueue(function () {
      if (document.body.classList.contains('conflict')) return Promise.resolve();
      return post(action, params).then(function (j) {
        flash(done, 'ok');
        location.assign('/review/' + j.document.id);
      }, fail);
    }).catch(function () {});
  }
  function mergeNext() {
    var pt = doc.part;
    if (!doc.parts_editable || !pt || !pt.can_merge_next) return;
    changeParts('merge', {}, 'Đã gộp với phần sau; đang phân tích lại.');
  }
  function splitHere() {
    if (!doc.parts_editable || !doc.can_split) return;
    if (pageIndex(pageNo) <= 0) {
      flash('Chuyển tới trang sẽ bắt đầu phần mới (Alt+↓) rồi nhấn Alt+S.', 'error');
      return;
    }
    changeParts('split', { page: String(pageNo) }, 'Đã tách từ trang ' + pageNo + '; đang phân tích lại.');
  }
  /* While a worker re-analyses the part, ask every second; when it is done,
   * load the screen again with the new type, fields and pages. */
  function pollReanalysis() {
    if (!doc.reanalyzing) return;
    setTimeout(function () {
      fetch('/api/documents/' + doc.id, { credentials: 'same-origin' }).then(function (r) {
        return r.ok ? r.json() : null;
      }).then(function (d) {
        if (d && !d.reanalyzing) location.reload();
        else pollReanalysis();
      }, pollReanalysis);
    }, 1000);
  }
  $('merge-next').addEventListener('click', mergeNext);
  $('split-here').addEventListener('click', splitHere);
  $('start-up').addEventListener('click', function () { moveBoundary('start', -1); });
  $('start-down').addEventListener('click', function () { moveBoundary('start', 1); });
  $('end-up').addEventListener('click', function () { moveBoundary('end', -1); });
  $('end-down').addEventListener('click', function () { moveBoundary('end', 1); });
  $('case-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    if (!doc.editable) return;
    var code = $('case-code').value.trim();
    if (!code) { flash('Nhập mã vụ việc.', 'error'); return; }
    enqueue(function () {
      if (document.body.classList.contains('conflict')) return Promise.resolve();
      return post('case', { case_code: code }).then(function (j) {
        applyDoc(j.document);
        flash('Đã gắn vào vụ việc ' + j.document.case + '.', 'ok');
      }, fail);
    }).catch(function () {});
  });
  $('page-img').addEventListener('load', drawBox);

  renderMeta();
  renderRevisions();
  showPage(doc.pages.length ? doc.pages[0].number : 1);
  setZoom(1);
  renderFields(null);
  pollReanalysis();
  window.ancongBusy = function () { return busy; };
})();
