// The label page's «In tem» button (no inline handlers: the Content-Security-Policy allows none).
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-print]")) {
    button.addEventListener("click", () => window.print());
  }
});
