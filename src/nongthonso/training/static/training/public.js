// The organiser's QR posters: the «In trang này» button (shown only when scripts run) prints the page.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
