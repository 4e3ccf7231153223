/* routeplan maps: numbered stops, popups, navigation hand-off, outcome reports with an
 * offline queue, and the dispatcher overview. Needs only Leaflet; no other library, no CDN. */
(function () {
  "use strict";
  var RP = (window.routeplan = window.routeplan || {});
  var STATES = ["arrived", "done", "not_at_home", "refused", "rescheduled"];

  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function pin(label, state, colour, extra) {
    var style = colour ? ' style="background:' + colour + '"' : "";
    return L.divIcon({
      className: "rp-pin rp-pin-" + (state || "pending") + (extra ? " " + extra : ""),
      html: "<span" + style + ">" + esc(label) + "</span>",
      iconSize: [34, 34], iconAnchor: [17, 17], popupAnchor: [0, -16]
    });
  }

  /* Local time in Asia/Shanghai as ISO 8601 with +08:00, whatever the phone's zone. */
  function shanghaiNow() {
    return new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 19) + "+08:00";
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, function (c) {
      var r = (Math.random() * 16) | 0;
      return (c === "x" ? r : (r & 3) | 8).toString(16);
    });
  }

  function store(key, value) {
    try {
      if (value === undefined) return JSON.parse(localStorage.getItem(key) || "null");
      localStorage.setItem(key, JSON.stringify(value));
    } catch (e) { /* private mode: the page still works, only without persistence */ }
    return null;
  }

  /* Try the map app first on a phone; if the page is still visible, open the web page. */
  function openNavigation(link, ev) {
    var ua = navigator.userAgent || "";
    var app = /iPhone|iPad|iPod/.test(ua) ? link.dataset.ios
      : /Android/.test(ua) ? link.dataset.android : null;
    if (!app) return; // desktop: follow the web link as is
    ev.preventDefault();
    var web = link.href;
    var timer = setTimeout(function () { if (!document.hidden) window.location.href = web; }, 1600);
    document.addEventListener("visibilitychange", function hide() {
      if (document.hidden) { clearTimeout(timer); document.removeEventListener("visibilitychange", hide); }
    });
    window.location.href = app;
  }

  RP.scale = function (map) { L.control.scale({ imperial: false }).addTo(map); };

  RP.field = function (map, route, data) {
    RP.scale(map);
    var key = "routeplan:" + data.eventsUrl + ":" + data.team;
    var saved = store(key + ":state") || {};
    var queue = store(key + ":queue") || [];
    var markers = {};
    var bounds = L.latLngBounds(route.getLatLngs());

    function stateOf(stop) {
      var local = saved[stop.id];
      if (local && (!stop.ts || local.at > stop.ts)) return local.status;
      return stop.state || "pending";
    }

    function paint(visitId) {
      var stop = data.byId[visitId];
      var current = stateOf(stop);
      var label = current === "pending" ? "" : data.labels[current];
      document.querySelectorAll('[data-visit="' + visitId + '"]').forEach(function (el) {
        if (el.classList.contains("rp-stop") || el.classList.contains("rp-pop")) {
          el.dataset.state = current;
          var s = el.querySelector('[data-role="state"]');
          if (s) s.textContent = label;
        }
        if (el.classList.contains("rp-out")) {
          el.setAttribute("aria-pressed", String(el.dataset.status === current));
        }
      });
      if (markers[visitId]) markers[visitId].setIcon(pin(stop.n, current));
    }

    function showSync(text, bad) {
      var box = document.getElementById("rp-sync");
      if (!box) return;
      box.hidden = !text;
      box.textContent = text || "";
      box.className = "rp-sync" + (bad ? " rp-bad" : "");
    }

    var flushing = false;
    function flush() {
      if (flushing || !queue.length || !data.eventsUrl) {
        if (!queue.length) showSync("");
        return;
      }
      flushing = true;
      var ev = queue[0];
      fetch(data.eventsUrl, {
        method: "POST", credentials: "same-origin", cache: "no-store",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify(ev)
      }).then(function (res) {
        flushing = false;
        if (res.ok || res.status === 409) { // 409: the service already has this event_id
          queue.shift(); store(key + ":queue", queue);
          showSync(queue.length ? "待上报 " + queue.length + " 条" : "");
          flush();
        } else if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
          queue.shift(); store(key + ":queue", queue);
          showSync("上报被拒绝（" + res.status + "）：" + ev.visit_id + "，请联系调度", true);
        } else {
          showSync("网络不稳，待上报 " + queue.length + " 条，稍后自动重试");
        }
      }).catch(function () {
        flushing = false;
        showSync("离线中，待上报 " + queue.length + " 条，联网后自动发送");
      });
    }

    function report(visitId, status) {
      var ev = { event_id: uuid(), visit_id: visitId, team_id: data.team, status: status,
                 at: shanghaiNow(), note: "" };
      saved[visitId] = { status: status, at: ev.at };
      store(key + ":state", saved);
      queue.push(ev); store(key + ":queue", queue);
      paint(visitId);
      showSync("正在上报…");
      flush();
    }

    function popupFor(stop) {
      var row = document.getElementById("stop-" + stop.id);
      var box = document.createElement("div");
      box.className = "rp-pop";
      box.dataset.visit = stop.id;
      box.innerHTML = '<div class="rp-pop-h"><b>' + stop.n + '</b> ' + esc(stop.id) +
        ' <span class="rp-state" data-role="state"></span></div>' +
        '<div class="rp-pop-t">计划到达 <b>' + esc(stop.arr) + "</b></div>" +
        '<div class="rp-pop-m">可访时段 ' + esc(stop.win) + " · 服务 " + esc(stop.svc) + "</div>";
      ["rp-navs", "rp-outs"].forEach(function (cls) {
        var part = row && row.querySelector("." + cls);
        if (part) box.appendChild(part.cloneNode(true));
      });
      return box;
    }

    data.byId = {};
    data.stops.forEach(function (stop) {
      data.byId[stop.id] = stop;
      var m = L.marker(stop.ll, { icon: pin(stop.n, stateOf(stop)), title: stop.n + " " + stop.id,
                                  riseOnHover: true, zIndexOffset: 1000 - stop.n });
      m.bindPopup(function () { return popupFor(stop); },
                  { maxWidth: 320, minWidth: 240, autoPanPaddingTopLeft: [10, 60] });
      m.on("popupopen", function () { paint(stop.id); });
      m.addTo(map);
      var el = m.getElement();
      if (el) { el.dataset.visit = stop.id; el.dataset.n = stop.n; }
      markers[stop.id] = m;
      bounds.extend(stop.ll);
      paint(stop.id);
    });
    if (data.base) {
      L.marker(data.base, { icon: pin("基", "base", null, "rp-pin-base"), title: "出发/返回地点",
                            keyboard: false, zIndexOffset: -1000 }).addTo(map);
      bounds.extend(data.base);
    }
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [28, 28], maxZoom: 16 });

    document.addEventListener("click", function (ev) {
      var t = ev.target.closest ? ev.target.closest("a.rp-nav, button.rp-out, button.rp-n") : null;
      if (!t) return;
      if (t.classList.contains("rp-nav")) return openNavigation(t, ev);
      var visitId = t.dataset.visit || t.closest("[data-visit]").dataset.visit;
      if (t.classList.contains("rp-out")) return report(visitId, t.dataset.status);
      var m = markers[visitId];
      if (m) { map.setView(m.getLatLng(), Math.max(map.getZoom(), 15)); m.openPopup(); }
    });
    window.addEventListener("online", flush);
    setInterval(flush, 30000);
    flush();
    if (data.swUrl && "serviceWorker" in navigator) {
      navigator.serviceWorker.register(
        data.swUrl + (data.swUrl.indexOf("?") < 0 ? "?" : "&") + "assets=" + encodeURIComponent(data.assetsUrl)).catch(function () { /* optional */ });
    }
    RP.fieldState = { markers: markers, queue: queue, report: report };
  };

  /* Dispatcher overview: one team's numbered stops inside its toggleable layer. */
  RP.team = function (map, group, data) {
    data.stops.forEach(function (s) {
      var state = s.state || "pending";
      var html = '<div class="rp-pop"><div class="rp-pop-h"><b>' + esc(data.team) + " · " + s.n +
        "</b> " + esc(s.id) + "</div>" +
        '<div class="rp-pop-t">计划到达 <b>' + esc(s.arr) + "</b> · 离开 " + esc(s.dep) + "</div>" +
        '<div class="rp-pop-m">可访时段 ' + esc(s.win) + " · 服务 " + esc(s.svc) + "</div>" +
        (s.state ? '<div class="rp-pop-o">上报：' + esc(data.labels[s.state]) + " " + esc(s.at) + "</div>" : "") +
        "</div>";
      var m = L.marker(s.ll, { icon: pin(s.n, state, data.colour, "rp-pin-team"), title: data.team + " " + s.n + " " + s.id });
      m.bindPopup(html, { maxWidth: 300 }).addTo(group);
    });
  };

  RP.unassigned = function (map, group, data) {
    data.visits.forEach(function (v) {
      var html = '<div class="rp-pop"><div class="rp-pop-h"><b>未安排</b> ' + esc(v.id) + "</div>" +
        '<div class="rp-pop-t">' + esc(v.reason) + "</div>" +
        '<div class="rp-pop-m">' + esc(v.detail) + "</div></div>";
      L.marker(v.ll, { icon: pin("!", "unassigned", null, "rp-pin-un"), title: v.id })
        .bindPopup(html, { maxWidth: 300 }).addTo(group);
    });
  };

  RP.fit = function (map, group, data) {
    RP.scale(map);
    var b = L.latLngBounds(data.bounds);
    var wide = map.getSize().x > 700; // keep the stops clear of the layer list and the panel
    if (b.isValid()) map.fitBounds(b, { paddingTopLeft: [wide ? 190 : 20, 20],
                                        paddingBottomRight: [wide ? 360 : 20, 20] });
  };

  RP.STATES = STATES;
})();
