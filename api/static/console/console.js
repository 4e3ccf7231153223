// The console's one script (CSP script-src 'self'): progress polling and the copy button.
// The pages work without it; it reads values from the page and JSON from the service only.
"use strict";

function pollProgress(box) {
  const url = box.dataset.progressUrl;
  const bar = document.getElementById("progress");
  const planned = document.getElementById("planned");
  const left = document.getElementById("left");
  const status = document.getElementById("status");
  function tick() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
      .then((p) => {
        bar.max = p.time_limit_s || 1;
        bar.value = Math.min(p.elapsed_s, bar.max);
        planned.textContent = p.planned === null || p.planned === undefined ? "—" : String(p.planned);
        left.textContent = String(p.left_s);
        status.textContent = p.status_zh;
        if (p.finished) {
          window.location.reload();
        } else {
          window.setTimeout(tick, 1000);
        }
      })
      .catch(() => window.setTimeout(tick, 3000));
  }
  tick();
}

function copyButtons() {
  for (const button of document.querySelectorAll("button.copy")) {
    button.addEventListener("click", () => {
      const area = document.getElementById(button.dataset.copy);
      area.select();
      const done = () => { button.textContent = "已复制"; };
      if (navigator.clipboard) {
        navigator.clipboard.writeText(area.value).then(done, () => { document.execCommand("copy"); done(); });
      } else {
        document.execCommand("copy");
        done();
      }
    });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("progress-box");
  if (box) {
    pollProgress(box);
  }
  copyButtons();
});
