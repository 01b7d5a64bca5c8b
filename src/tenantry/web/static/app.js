// Copy buttons next to invitation links and new API key tokens.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const input = button.parentElement.querySelector("input");
  input.select();
  const done = () => { button.textContent = "Copied"; setTimeout(() => { button.textContent = "Copy link"; }, 2000); };
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
  if (event.target.matches("input[data-select-on-focus]")) event.target.select();
});

// data-back on a link: go back a page (the link's own href is the fallback).
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-back]");
  if (!link || window.history.length < 2) return;
  event.preventDefault();
  window.history.back();
});
