// The campaign page's figures, live (no inline script: the Content-Security-Policy).
// #campaign-kpis names its server-sent event stream in data-live; each "kpis" event
// carries the re-rendered figures, which replace the old ones without a reload.
(function () {
  "use strict";
  var box = document.getElementById("campaign-kpis");
  if (!box || !box.dataset.live || !window.EventSource) {
    return;
  }
  var source = new EventSource(box.dataset.live);
  source.addEventListener("kpis", function (event) {
    box.innerHTML = event.data; // rendered and escaped by the server's template
    box.dataset.version = event.lastEventId;
  });
  source.addEventListener("alerts", function (event) {
    var section = document.getElementById("campaign-alerts");
    if (section) {
      section.outerHTML = event.data; // the alerts and pacing, rendered by the server too
    }
  });
  source.addEventListener("ended", function () {
    source.close();
  });
})();
