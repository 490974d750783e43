// The "Print this page" button: shown only when JavaScript can print (without it, the browser's
// own print still uses the print layout). Loaded as a file: the Content-Security-Policy forbids
// inline script.
document.querySelectorAll("[data-module='app-print-button']").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    window.print();
  });
});
