/* routeplan route sheet: the print button (a file, so the page needs no inline script). */
(function () {
  "use strict";
  var button = document.getElementById("rp-print");
  if (!button) return;
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
})();
