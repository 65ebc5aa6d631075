// The guide page works without this; it only lets the print link (and `?print=1`, which the chat
// widget's 打印清单 opens) bring up the browser's print dialog.
document.querySelectorAll("[data-print]").forEach(function (link) {
  link.addEventListener("click", function (event) { event.preventDefault(); window.print(); });
});
if (new URLSearchParams(location.search).get("print") === "1") window.addEventListener("load", function () { window.print(); });
