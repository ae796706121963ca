// Send the CSRF token with every htmx request (the server checks it on every unsafe method).
document.addEventListener("htmx:configRequest", function (event) {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) { event.detail.headers["X-CSRF-Token"] = meta.content; }
});

// Print buttons (no inline handlers: the CSP forbids them).
document.addEventListener("click", function (event) {
  if (event.target && event.target.matches("[data-print]")) { window.print(); }
});
// Toggle arrows in the organisation tree: load once, then fold and unfold.
document.addEventListener("click", function (event) {
  var btn = event.target;
  if (!btn || !btn.matches("button.toggle")) { return; }
  var list = btn.parentElement.querySelector("ul.tree");
  if (btn.dataset.loaded) {
    list.hidden = !list.hidden;
    btn.textContent = list.hidden ? "▸" : "▾";
    event.preventDefault();
    event.stopImmediatePropagation();
  } else {
    btn.dataset.loaded = "1";
    btn.textContent = "▾";
  }
}, true);
// Copy buttons: <button data-copy="#id"> copies the text of that element and says so.
document.addEventListener("click", function (event) {
  var btn = event.target && event.target.closest ? event.target.closest("button[data-copy]") : null;
  if (!btn) { return; }
  var source = document.querySelector(btn.dataset.copy);
  if (!source) { return; }
  var text = source.textContent.trim();
  var shown = btn.querySelector(".copy-label") || btn;  // the visible word; the hidden rest names the target
  var done = function () {
    var label = btn.dataset.label || shown.textContent;
    btn.dataset.label = label;
    shown.textContent = btn.dataset.copied || "✓";
    setTimeout(function () { shown.textContent = label; }, 2000);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, function () { selectText(source); });
  } else {
    selectText(source);  // plain HTTP: the browser gives no clipboard; select it for Ctrl+C
    try { if (document.execCommand("copy")) { done(); } } catch (e) { /* selected anyway */ }
  }
});
function selectText(element) {
  var range = document.createRange();
  range.selectNodeContents(element);
  var selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}
// A part marked data-swap-errors shows the server's 4xx answer (the part again, with its one-line
// message) in place; htmx would otherwise drop it and the button would seem to do nothing.
document.addEventListener("htmx:beforeSwap", function (event) {
  var source = event.detail.requestConfig && event.detail.requestConfig.elt;
  var status = event.detail.xhr.status;
  if (source && source.closest && source.closest("[data-swap-errors]") && status >= 400 && status < 500) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
