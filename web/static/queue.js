/* ancong: the review queue.  The first document has the focus, so Enter opens
 * it; ↑/↓ move between documents. */
(function () {
  'use strict';
  var links = Array.prototype.slice.call(document.querySelectorAll('#queue-table a.doc'));
  if (!links.length) return;
  if (!document.activeElement || document.activeElement === document.body) links[0].focus();
  document.addEventListener('keydown', function (ev) {
    var i = links.indexOf(document.activeElement);
    if (i < 0) return;
    if (ev.key === 'ArrowDown' && i + 1 < links.length) { ev.preventDefault(); links[i + 1].focus(); }
    if (ev.key === 'ArrowUp' && i > 0) { ev.preventDefault(); links[i - 1].focus(); }
  });
})();
