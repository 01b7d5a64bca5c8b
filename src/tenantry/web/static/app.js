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
