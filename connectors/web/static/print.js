// The guide page works without this; it only lets the print link open the browser's print dialog.
document.querySelectorAll("[data-print]").forEach(function (link) {
  link.addEventListener("click", function (event) { event.preventDefault(); window.print(); });
});
