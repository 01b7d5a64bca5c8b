// Copy buttons next to invitation links and new API key tokens (the label comes back after).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const input = button.parentElement.querySelector("input, textarea");
  input.select();
  const label = button.dataset.label || (button.dataset.label = button.textContent);
  const done = () => { button.textContent = "Copied"; setTimeout(() => { button.textContent = label; }, 2000); };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(input.value).then(done, () => document.execCommand("copy") && done());
  } else if (document.execCommand("copy")) {
    done();
  }
});

// The page's Content-Security-Policy allows no inline script, so behaviour that would be an
// on* attribute is declared with data- attributes and handled here.

// data-confirm="Question?" on a plain form: ask before it is sent (htmx forms use hx-confirm).
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});

// data-select-on-focus on a read-only field: its whole text is selected, ready to copy.
document.addEventListener("focusin", (event) => {
  if (event.target.matches("input[data-select-on-focus], textarea[data-select-on-focus]")) event.target.select();
});

// data-back on a link: go back a page (the link's own href is the fallback).
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-back]");
  if (!link || window.history.length < 2) return;
  event.preventDefault();
  window.history.back();
});

// On a phone every table is stacked rows (app.css): each cell shows its column's name,
// taken from the table's head, here and in every fragment htmx swaps in.
function labelCells(root) {
  root.querySelectorAll("table").forEach((table) => {
    // a column whose head is for screen readers only (select, actions) gets no visible name
    const names = [...table.querySelectorAll("thead th")].map((th) =>
      th.querySelector(".sr-only") ? "" : th.textContent.trim());
    table.querySelectorAll("tbody tr").forEach((row) => {
      [...row.children].forEach((cell, i) => {
        if (i < names.length && !cell.hasAttribute("data-label")) cell.dataset.label = names[i];
      });
    });
  });
}
document.addEventListener("DOMContentLoaded", () => labelCells(document));
document.addEventListener("htmx:load", (event) => labelCells(event.target.closest("table") || event.target));

// Dialogs: data-open-dialog="ID" opens one, data-close-dialog closes its own; a dialog
// marked data-open (the invite form after a refusal, with what was typed) opens at once.
document.addEventListener("click", (event) => {
  const opener = event.target.closest("[data-open-dialog]");
  if (opener) {
    document.getElementById(opener.dataset.openDialog).showModal();
    return;
  }
  const closer = event.target.closest("[data-close-dialog]");
  if (closer) closer.closest("dialog").close();
});
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("dialog[data-open]").forEach((dialog) => dialog.showModal());
});

// A dialog htmx brings (change role, edit access) opens as it arrives and, data-transient,
// leaves the page when it closes. One that says data-resets="ID" puts the choices of #ID
// back (dropdown, boxes) when it closes unsaved: Cancel, Close or Escape. Saved, the server
// replaces the row and empties the dialog's slot.
document.addEventListener("htmx:load", (event) => {
  const root = event.target;
  const dialogs = root.matches("dialog[data-open]") ? [root] : root.querySelectorAll("dialog[data-open]");
  dialogs.forEach((dialog) => { if (!dialog.open) dialog.showModal(); });
});
document.addEventListener("close", (event) => {
  const dialog = event.target;
  if (!(dialog instanceof HTMLDialogElement)) return;
  const row = dialog.dataset.resets && document.getElementById(dialog.dataset.resets);
  if (row) {
    row.querySelectorAll("option").forEach((option) => { option.selected = option.defaultSelected; });
    row.querySelectorAll("input[type=checkbox]").forEach((box) => { box.checked = box.defaultChecked; });
  }
  if (dialog.hasAttribute("data-transient")) dialog.remove();
}, true);

// Bulk actions: a button with data-needs-selection="NAME" shows only while some checkbox
// NAME of its form is ticked, and says how many.
function syncSelection() {
  document.querySelectorAll("[data-needs-selection]").forEach((button) => {
    const boxes = document.querySelectorAll(
      `input[type=checkbox][name="${button.dataset.needsSelection}"][form="${button.form.id}"]`);
    const ticked = [...boxes].filter((box) => box.checked).length;
    const label = button.dataset.label || (button.dataset.label = button.textContent);
    button.hidden = ticked === 0;
    button.textContent = ticked ? `${label} (${ticked})` : label;
  });
}
document.addEventListener("change", syncSelection);
document.addEventListener("DOMContentLoaded", syncSelection);
document.addEventListener("htmx:load", syncSelection);

// A table whose last row went (a cancelled invitation, a removed member) says so instead of
// keeping its head over nothing: data-empty is what it says. (htmx's own events fire on the
// swapped-out row, which has left the page by then: a mutation observer sees it go.)
function emptyStates() {
  document.querySelectorAll("table[data-empty]").forEach((table) => {
    if (table.querySelector("tbody tr")) return;
    const note = document.createElement("p");
    note.className = "muted";
    note.textContent = table.dataset.empty;
    table.replaceWith(note);
  });
}
document.addEventListener("DOMContentLoaded", () => {
  new MutationObserver(emptyStates).observe(document.body, { childList: true, subtree: true });
});
