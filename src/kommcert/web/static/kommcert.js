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
