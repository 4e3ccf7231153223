/* routeplan maps: the field page and the dispatcher overview, built from the page's JSON block.
 *
 * The HTML routeplan writes is a fixed skeleton; every value of the plan (ids, names,
 * addresses, notes) arrives in <script type="application/json" id="rp-data"> and is put on
 * screen here with DOM calls and textContent only: no innerHTML, no string-built markup, no
 * eval, no inline handlers. Needs only Leaflet; no other library, no CDN. */
(function () {
  "use strict";
  var RP = (window.routeplan = window.routeplan || {});

  /* ---- DOM helpers: text is always text ---- */

  function el(tag, props, kids) {
    var e = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (k) {
        var v = props[k];
        if (v === null || v === undefined || v === false) return;
        if (k === "text") e.textContent = String(v);
        else if (k === "cls") e.className = v;
        else e.setAttribute(k, String(v));
      });
    }
    (kids || []).forEach(function (c) {
      if (c === null || c === undefined || c === false) return;
      e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return e;
  }

  /* Links come from routeplan (https pages, the service's own paths, files beside the page). */
  function safeHref(url) {
    var u = String(url || "");
    return /^(https:\/\/|\/(?!\/)|[^:\/?#]+(?:[\/?#]|$))/.test(u) ? u : "";
  }

  function pinIcon(label, state, opts) {
    opts = opts || {};
    var inner = el("span", { text: label });
    if (opts.colour) inner.style.background = opts.colour;
    var size = opts.size || 34;
    return L.divIcon({
      className: "rp-pin rp-pin-" + (state || "pending") + (opts.extra ? " " + opts.extra : ""),
      html: inner, iconSize: [size, size], iconAnchor: [size / 2, size / 2],
      popupAnchor: [0, -size / 2]
    });
  }

  function popupBox(lines) {
    return el("div", { cls: "rp-pop" }, lines);
  }

  /* ---- the base map: tiles and a text-only attribution ---- */

  function makeMap(container, tiles) {
    var map = L.map(container, { attributionControl: false, maxZoom: tiles.maxZoom,
                                 zoomControl: true, preferCanvas: false });
    map.setView([34.75, 113.63], 11); // loaded at once (Henan); each page fits its own bounds
    var opts = { maxZoom: tiles.maxZoom, maxNativeZoom: tiles.maxZoom };
    if (tiles.subdomains) opts.subdomains = tiles.subdomains;
    L.tileLayer(tiles.url, opts).addTo(map);
    if (tiles.labelsUrl) L.tileLayer(tiles.labelsUrl, opts).addTo(map);
    var Attribution = L.Control.extend({
      options: { position: "bottomright" },
      onAdd: function () {
        return el("div", { cls: "leaflet-control-attribution leaflet-control rp-attr" },
                  ["Leaflet | " + tiles.attribution]);
      }
    });
    new Attribution().addTo(map);
    L.control.scale({ imperial: false }).addTo(map);
    return map;
  }

  /* ---- pins that never cover each other ----
   * Pins closer than a pin's width on screen are spread on a small circle around their
   * common centre (recomputed at every zoom); each keeps its true point for its popup. */

  function declutter(map, entries) {
    var MIN = 42; // the next stop's pin is 40 px wide
    var CHORD = 60;
    function place() {
      var shown = entries.filter(function (e) { return map.hasLayer(e.marker); });
      var pts = shown.map(function (e) { return map.latLngToLayerPoint(e.ll); });
      var group = shown.map(function (_, i) { return i; });
      function root(i) { while (group[i] !== i) i = group[i] = group[group[i]]; return i; }
      for (var i = 0; i < pts.length; i++) {
        for (var j = i + 1; j < pts.length; j++) {
          if (pts[i].distanceTo(pts[j]) < MIN) group[root(i)] = root(j);
        }
      }
      var members = {};
      shown.forEach(function (_, k) { (members[root(k)] = members[root(k)] || []).push(k); });
      Object.keys(members).forEach(function (r) {
        var ks = members[r];
        if (ks.length === 1) { shown[ks[0]].marker.setLatLng(shown[ks[0]].ll); return; }
        var cx = 0, cy = 0;
        ks.forEach(function (k) { cx += pts[k].x; cy += pts[k].y; });
        cx /= ks.length; cy /= ks.length;
        // neighbours CHORD apart: even their square boxes clear each other (CHORD/√2 > MIN)
        var radius = CHORD / 2 / Math.sin(Math.PI / ks.length);
        ks.forEach(function (k, n) {
          var a = -Math.PI / 2 + (2 * Math.PI * n) / ks.length;
          var p = L.point(cx + radius * Math.cos(a), cy + radius * Math.sin(a));
          shown[k].marker.setLatLng(map.layerPointToLatLng(p));
        });
      });
    }
    map.on("zoomend viewreset rp-layers", place);
    place();
    return place;
  }

  /* Great-circle distance in metres between two WGS-84 [lat, lon] points. */
  function distanceM(a, b) {
    var rad = Math.PI / 180;
    var dLat = (b[0] - a[0]) * rad, dLon = (b[1] - a[1]) * rad;
    var h = Math.sin(dLat / 2) * Math.sin(dLat / 2) +
      Math.cos(a[0] * rad) * Math.cos(b[0] * rad) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
    return 2 * 6371008.8 * Math.asin(Math.min(1, Math.sqrt(h)));
  }

  /* ---- local time and storage ---- */

  /* Local time in Asia/Shanghai as ISO 8601 with +08:00, whatever the phone's zone. */
  function shanghaiNow() {
    return new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 19) + "+08:00";
  }

  function hhmm(seconds) {
    var m = Math.floor(seconds / 60);
    return String(Math.floor(m / 60) % 24).padStart(2, "0") + ":" + String(m % 60).padStart(2, "0");
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

  /* ================= the field page ================= */

  function fieldPage(data) {
    var body = document.body;
    var key = "routeplan:" + data.eventsUrl + ":" + data.team;
    var saved = store(key + ":state") || {};
    var queue = store(key + ":queue") || [];
    var stops = data.items.filter(function (i) { return i.kind === "stop"; });
    var byId = {};
    var views = {};   // visit id → {card, markerEntry, note, ticks}
    var markers = {};
    var FINAL = {};
    data.final.forEach(function (s) { FINAL[s] = true; });

    /* header */
    body.appendChild(el("header", { cls: "rp-bar" }, [
      el("div", { cls: "rp-bar-main" }, [
        el("div", { cls: "rp-title", text: data.team + " · 今日路线" }),
        el("div", { cls: "rp-sub", text: data.dayShort + " " + data.weekday + " · " +
                    stops.length + " 站 · " + data.start + "–" + data.end })
      ]),
      safeHref(data.sheetUrl) ? el("a", { cls: "rp-btn", href: safeHref(data.sheetUrl),
                                          target: "_blank", rel: "noopener", text: "打印路线单" })
        : null
    ]));
    var mapBox = el("div", { id: "rp-map", cls: "rp-map" });
    body.appendChild(mapBox);

    /* list */
    var list = el("main", { cls: "rp-list", id: "rp-list" });
    body.appendChild(list);
    list.appendChild(el("div", { cls: "rp-remind", role: "note" }, [
      el("strong", { text: "上门须知" }),
      el("ul", null, data.reminderShort.map(function (t) { return el("li", { text: t }); }))
    ]));
    var late = el("div", { cls: "rp-late", id: "rp-late", role: "alert" });
    late.hidden = true;
    list.appendChild(late);
    var sync = el("div", { cls: "rp-sync", id: "rp-sync", role: "status" });
    sync.hidden = true;
    list.appendChild(sync);
    /* what the re-plan behind this version changed on the team's day: shown once to a phone
       that has not shown this version yet */
    var seenVersion = store(key + ":version");
    if (data.changes && data.changes.length && !(seenVersion >= data.version)) {
      var news = el("section", { cls: "rp-news", id: "rp-news", role: "alert" }, [
        el("strong", { text: "调度已重新规划（第 " + data.version + " 版），本组变化：" }),
        el("ul", null, data.changes.map(function (c) {
          var parts = [c.id + " " + c.what];
          if (c.was && c.now && c.was !== c.now) parts.push(c.was + " → " + c.now);
          else if (c.now) parts.push(c.now);
          if (c.from) parts.push("原属 " + c.from);
          if (c.to) parts.push("改由 " + c.to);
          if (c.why) parts.push(c.why);
          return el("li", { text: parts.join(" · ") });
        }))
      ]);
      var ok = el("button", { type: "button", cls: "rp-news-ok", text: "知道了" });
      ok.addEventListener("click", function () { news.remove(); });
      news.appendChild(ok);
      list.appendChild(news);
    }
    store(key + ":version", data.version);
    if (!stops.length) list.appendChild(el("p", { text: "今天没有安排拜访。" }));
    var ol = el("ol", { cls: "rp-stops" });
    list.appendChild(ol);

    function outButtons(stop) {
      return el("div", { cls: "rp-outs", role: "group", "aria-label": "上报第 " + stop.n + " 站结果" },
        data.statuses.map(function (st) {
          return el("button", { cls: "rp-out", type: "button", "data-status": st,
                                "aria-pressed": "false", text: data.labels[st] });
        }));
    }

    function navLinks(stop) {
      return el("div", { cls: "rp-navs" }, stop.nav.map(function (n) {
        return el("a", { cls: "rp-nav", href: safeHref(n.web), "data-provider": n.provider,
                         "data-ios": n.ios, "data-android": n.android, target: "_blank",
                         rel: "noopener", text: n.label });
      }));
    }

    data.items.forEach(function (item) {
      if (item.kind === "break") {
        ol.appendChild(el("li", { cls: "rp-breakrow", text: "☕ 休息 " + item.start + "–" + item.end }));
        return;
      }
      var s = item;
      byId[s.id] = s;
      var meta = el("div", { cls: "rp-meta" }, [
        "可访时段 ", el("b", { text: s.win }), " · 服务 ", el("b", { text: s.svc }),
        s.wait > 0 && !s.waitText ? " · 到达后等候 " + s.wait + " 分钟" : null
      ]);
      var card = el("li", { cls: "rp-stop", id: "stop-" + s.id, "data-visit": s.id,
                            "data-n": s.n, "data-state": s.state || "pending" }, [
        el("div", { cls: "rp-row1" }, [
          el("button", { cls: "rp-n", type: "button", "aria-label": "在地图上查看第 " + s.n + " 站",
                         text: s.n }),
          el("span", { cls: "rp-time", text: s.arr }),
          el("span", { cls: "rp-id", text: s.id }),
          el("span", { cls: "rp-next-tag", text: "下一站" }),
          el("span", { cls: "rp-state", "data-role": "state" })
        ]),
        s.addr ? el("div", { cls: "rp-addr", text: "📍 " + s.addr }) : null,
        s.approx ? el("div", { cls: "rp-approx", text: "位置为区县/城市中心，仅供参考，请按地址寻找" }) : null,
        meta,
        s.waitText ? el("div", { cls: "rp-wait", text: "⏳ " + s.waitText }) : null,
        navLinks(s)
      ]);
      var view = { card: card, popups: [] };
      if (data.eventsUrl) {
        var report = el("div", { cls: "rp-report" });
        if (data.presence && data.members.length) {
          view.ticks = data.members.map(function (m) {
            var box = el("input", { type: "checkbox", cls: "rp-member", value: m });
            report.appendChild(el("label", { cls: "rp-tick" }, [box, el("span", { text: m })]));
            return box;
          });
          report.insertBefore(el("span", { cls: "rp-ticks-h", text: "到场组员：" }), report.firstChild);
        }
        view.note = el("textarea", { cls: "rp-note", rows: 1, maxlength: 500,
                                     placeholder: "备注（可选，随结果一起上报）",
                                     "aria-label": "第 " + s.n + " 站备注" });
        report.appendChild(view.note);
        card.appendChild(report);
        card.appendChild(outButtons(s));
      }
      views[s.id] = view;
      ol.appendChild(card);
    });
    if (stops.length) list.appendChild(el("div", { cls: "rp-endrow", text: "🏁 " + data.end + " 返回出发地点" }));
    if (!data.eventsUrl) {
      list.appendChild(el("p", { cls: "rp-noevents", text: "此页面为离线版，每站结果请记在纸质路线单上。" }));
    }
    list.appendChild(el("p", { cls: "rp-foot", text: data.reminder + " 本页仅显示案件编号；请勿截图外传。" }));

    /* map */
    var map = makeMap(mapBox, data.tiles);
    var bounds = L.latLngBounds([]);
    if (data.line.length) {
      var line = L.polyline(data.line, { color: data.colour, weight: 5, opacity: 0.8, className: "rp-route" });
      line.addTo(map);
      bounds.extend(line.getBounds());
    }

    function stateOf(stop) {
      var local = saved[stop.id];
      if (local && (!stop.ts || local.at > stop.ts)) return local.status;
      return stop.state || "pending";
    }

    function nextStop() {
      for (var i = 0; i < stops.length; i++) if (!FINAL[stateOf(stops[i])]) return stops[i];
      return null;
    }

    function paintButtons(box, current) {
      box.querySelectorAll("button.rp-out").forEach(function (b) {
        b.setAttribute("aria-pressed", String(b.dataset.status === current));
      });
    }

    function paint(visitId) {
      var stop = byId[visitId];
      var view = views[visitId];
      var current = stateOf(stop);
      var label = current === "pending" ? "" : data.labels[current];
      [view.card].concat(view.popups).forEach(function (box) {
        box.dataset.state = current;
        var s = box.querySelector('[data-role="state"]');
        if (s) s.textContent = label;
        paintButtons(box, current);
      });
      var next = nextStop();
      var isNext = next !== null && next.id === visitId;
      if (markers[visitId]) {
        markers[visitId].setIcon(pinIcon(stop.n, current, isNext ? { extra: "rp-pin-next", size: 40 } : null));
        markers[visitId].setZIndexOffset(isNext ? 2000 : 1000 - stop.n);
        var e = markers[visitId].getElement();
        if (e) { e.dataset.visit = stop.id; e.dataset.n = stop.n; }
      }
    }

    var currentNext = null;
    function paintNext() {
      var next = nextStop();
      var id = next ? next.id : null;
      stops.forEach(function (s) { views[s.id].card.classList.toggle("rp-next", s.id === id); });
      var previous = currentNext;
      currentNext = id;
      if (previous && previous !== id && byId[previous]) paint(previous);
      if (id) paint(id);
      lateWarning();
    }

    /* Would the day run past the lawful end at the current pace? Shown on the plan's day only. */
    function lateWarning() {
      var next = nextStop();
      var now = shanghaiNow();
      if (!next || now.slice(0, 10) !== data.day || !stops.length) { late.hidden = true; return; }
      var nowS = (+now.slice(11, 13)) * 3600 + (+now.slice(14, 16)) * 60;
      var planned = stateOf(next) === "arrived" ? next.depS : next.arrS;
      var behind = Math.max(0, nowS - planned);
      var last = stops[stops.length - 1];
      var projected = last.depS + behind;
      if (projected > data.lateS) {
        late.textContent = "⚠ 预计 " + hhmm(projected) + " 结束，请尽快离开或改约";
        late.hidden = false;
      } else {
        late.hidden = true;
      }
    }

    function showSync(text, bad) {
      sync.hidden = !text;
      sync.textContent = text || "";
      sync.className = "rp-sync" + (bad ? " rp-bad" : "");
    }

    var flushing = false;
    function flush() {
      if (flushing || !queue.length || !data.eventsUrl) {
        if (!queue.length && !sync.classList.contains("rp-bad")) showSync("");
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
        if (res.status === 410) { gone(); return; }
        if (res.ok || res.status === 409) { // 409: the service already has this event_id
          queue.shift(); store(key + ":queue", queue);
          showSync(queue.length ? "待上报 " + queue.length + " 条" : "");
          flush();
        } else if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
          queue.shift(); store(key + ":queue", queue);
          var stop = byId[ev.visit_id];
          showSync("上报被拒绝（" + res.status + "）：第 " + (stop ? stop.n : "?") + " 站 " +
                   ev.visit_id + "，请联系调度", true);
        } else {
          showSync("网络不稳，待上报 " + queue.length + " 条，稍后自动重试");
        }
      }).catch(function () {
        flushing = false;
        showSync("离线中，待上报 " + queue.length + " 条，联网后自动发送");
      });
    }

    /* The link was revoked or expired: nothing of it stays on the phone. */
    function gone() {
      queue.length = 0;
      saved = {};
      try { localStorage.removeItem(key + ":queue"); localStorage.removeItem(key + ":state"); }
      catch (e) { /* private mode */ }
      if (window.caches) {
        var here = location.href.split("#")[0];
        caches.keys().then(function (names) {
          return Promise.all(names.map(function (n) {
            return caches.open(n).then(function (c) {
              return c.keys().then(function (reqs) {
                return Promise.all(reqs.filter(function (r) { return r.url.indexOf(here) === 0; })
                  .map(function (r) { return c.delete(r); }));
              });
            });
          }));
        }).catch(function () { /* nothing cached */ });
      }
      showSync("此链接已失效（已撤销或过期），请向调度索取新链接。", true);
    }

    function enqueue(ev) {
      queue.push(ev); store(key + ":queue", queue);
      showSync("正在上报…");
      flush();
    }

    var GEO_REFUSED = "未获得定位授权：本次到达不含位置，结果照常上报。如需记录位置，请在浏览器设置中允许定位。";
    var GEO_FAILED = "暂时无法获取位置：本次到达不含位置，结果照常上报。";

    function report(visitId, status) {
      var view = views[visitId];
      var ev = { event_id: uuid(), visit_id: visitId, team_id: data.team, status: status,
                 at: shanghaiNow(), note: view.note ? view.note.value.trim().slice(0, 500) : "" };
      if (data.presence && view.ticks) {
        ev.members_present = view.ticks.filter(function (b) { return b.checked; })
          .map(function (b) { return b.value; });
      }
      saved[visitId] = { status: status, at: ev.at };
      store(key + ":state", saved);
      if (view.note) view.note.value = "";
      paint(visitId);
      paintNext();
      if (!(data.presence && status === "arrived")) { enqueue(ev); return; }
      if (!navigator.geolocation) { showSync(GEO_FAILED, true); enqueue(ev); return; }
      showSync("正在获取位置…");
      navigator.geolocation.getCurrentPosition(function (pos) {
        ev.position = { lat: pos.coords.latitude, lon: pos.coords.longitude,
                        accuracy_m: pos.coords.accuracy, crs: "wgs84" };
        enqueue(ev);
        var stop = byId[visitId];
        var metres = distanceM(stop.wgs, [pos.coords.latitude, pos.coords.longitude]);
        var old = view.card.querySelector(".rp-far");
        if (old) old.remove();
        if (metres > data.farM + pos.coords.accuracy) {
          view.card.appendChild(el("div", { cls: "rp-far", role: "alert",
            text: "⚠ 您的位置距第 " + stop.n + " 站约 " + Math.round(metres) + " 米（定位精度 ±" +
                  Math.round(pos.coords.accuracy) + " 米），请确认是否在正确地址" }));
        }
      }, function (err) {
        enqueue(ev);
        var geo = el("div", { cls: "rp-geo", role: "alert",
                              text: err && err.code === 1 ? GEO_REFUSED : GEO_FAILED });
        var old = view.card.querySelector(".rp-geo");
        if (old) old.remove();
        view.card.appendChild(geo);
        // a fresh fix: the evidence is of this door, not of where the phone was a minute ago
        // (a minute's drive is a kilometre; two doors in one building are seconds apart)
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 });
    }

    function popupFor(stop) {
      var view = views[stop.id];
      var box = popupBox([
        el("div", { cls: "rp-pop-h" }, [el("b", { text: stop.n }), " " + stop.id + " ",
                                        el("span", { cls: "rp-state", "data-role": "state" })]),
        el("div", { cls: "rp-pop-t" }, ["计划到达 ", el("b", { text: stop.arr })]),
        stop.addr ? el("div", { cls: "rp-pop-a", text: stop.addr }) : null,
        el("div", { cls: "rp-pop-m", text: "可访时段 " + stop.win + " · 服务 " + stop.svc }),
        navLinks(stop),
        data.eventsUrl ? outButtons(stop) : null
      ]);
      box.dataset.visit = stop.id;
      view.popups = [box];
      return box;
    }

    var entries = [];
    stops.forEach(function (stop) {
      var m = L.marker(stop.ll, { icon: pinIcon(stop.n, stateOf(stop)), title: stop.n + " " + stop.id,
                                  riseOnHover: true, zIndexOffset: 1000 - stop.n });
      m.bindPopup(function () { return popupFor(stop); },
                  { maxWidth: 320, minWidth: 240, autoPanPaddingTopLeft: [10, 60] });
      m.on("popupopen", function () { paint(stop.id); });
      m.on("popupclose", function () { views[stop.id].popups = []; });
      m.addTo(map);
      markers[stop.id] = m;
      entries.push({ marker: m, ll: L.latLng(stop.ll) });
      bounds.extend(stop.ll);
      paint(stop.id);
    });
    if (data.base) {
      var base = L.marker(data.base, { icon: pinIcon("基", "base", { extra: "rp-pin-base" }),
                                       title: "出发/返回地点", keyboard: false, zIndexOffset: -1000 });
      base.addTo(map);
      entries.push({ marker: base, ll: L.latLng(data.base) });
      bounds.extend(data.base);
    }
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [28, 28], maxZoom: 16 });
    declutter(map, entries);
    paintNext();

    document.addEventListener("click", function (ev) {
      var t = ev.target.closest ? ev.target.closest("a.rp-nav, button.rp-out, button.rp-n") : null;
      if (!t) return;
      if (t.classList.contains("rp-nav")) { openNavigation(t, ev); return; }
      var holder = t.closest("[data-visit]");
      if (!holder || !byId[holder.dataset.visit]) return;
      var visitId = holder.dataset.visit;
      if (t.classList.contains("rp-out")) { report(visitId, t.dataset.status); return; }
      var m = markers[visitId];
      if (m) { map.setView(m.getLatLng(), Math.max(map.getZoom(), 15)); m.openPopup(); }
    });
    window.addEventListener("online", flush);
    setInterval(function () { flush(); lateWarning(); }, 30000);
    flush();
    if (data.swUrl && "serviceWorker" in navigator) {
      navigator.serviceWorker.register(
        data.swUrl + (data.swUrl.indexOf("?") < 0 ? "?" : "&") + "assets=" +
        encodeURIComponent(data.assetsUrl)).catch(function () { /* optional */ });
    }
    RP.fieldState = { map: map, markers: markers, queue: queue, report: report };
  }

  /* ================= the dispatcher overview ================= */

  /* A layer list like Leaflet's, but its names are text nodes (Leaflet's uses innerHTML). */
  function layerList(map, layers) {
    var Control = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var overlays = el("div", { cls: "leaflet-control-layers-overlays" });
        layers.forEach(function (entry) {
          var box = el("input", { type: "checkbox", cls: "leaflet-control-layers-selector" });
          box.checked = map.hasLayer(entry.layer);
          box.addEventListener("change", function () {
            if (box.checked) map.addLayer(entry.layer); else map.removeLayer(entry.layer);
            map.fire("rp-layers");
          });
          overlays.appendChild(el("label", null, [el("span", null, [box, " "].concat(entry.name))]));
        });
        var root = el("div", { cls: "leaflet-control-layers leaflet-control-layers-expanded leaflet-control" },
                      [el("section", { cls: "leaflet-control-layers-list" }, [overlays])]);
        L.DomEvent.disableClickPropagation(root);
        L.DomEvent.disableScrollPropagation(root);
        return root;
      }
    });
    new Control().addTo(map);
  }

  function table(rows, numeric) {
    return el("table", null, [el("tbody", null, rows.map(function (r) {
      return el("tr", null, r.map(function (cell, i) {
        return el("td", { cls: numeric && numeric[i] ? "num" : null }, [cell]);
      }));
    }))]);
  }

  function overviewPanel(p, teams) {
    var panel = el("aside", { cls: "rp-panel", "aria-label": "计划概览" });
    var toggle = el("button", { cls: "rp-panel-toggle", type: "button", "aria-expanded": "true",
                                text: "收起" });
    toggle.addEventListener("click", function () {
      var collapsed = panel.classList.toggle("rp-collapsed");
      toggle.textContent = collapsed ? "详情" : "收起";
      toggle.setAttribute("aria-expanded", String(!collapsed));
    });
    panel.appendChild(el("div", { cls: "rp-panel-head" }, [
      el("h1", { text: p.day + " " + p.weekday + " · 外访计划总览" }), toggle]));
    // on a phone the map comes first: the panel opens folded to its figures
    if (window.matchMedia && window.matchMedia("(max-width: 600px)").matches) toggle.click();
    panel.appendChild(el("div", { cls: "rp-kpis" }, p.kpis.map(function (k) {
      return el("div", { cls: "rp-kpi" }, [el("b", { text: k[0] }), k[1]]);
    })));
    panel.appendChild(el("h2", { text: "外访组（图例）" }));
    var head = el("thead", null, [el("tr", null, [
      el("th", { text: "组" }), el("th", { cls: "num", text: "站" }), el("th", { text: "时间" }),
      el("th", { cls: "num", text: "里程" }), el("th", { cls: "num", text: "已上报" })])]);
    var rows = el("tbody", null, teams.map(function (t) {
      var sw = el("span", { cls: "rp-swatch" });
      sw.style.background = t.colour;
      return el("tr", null, [
        el("td", null, [sw, t.team]), el("td", { cls: "num", text: t.stops.length }),
        el("td", { cls: "rp-nowrap", text: t.start + "–" + t.end }),
        el("td", { cls: "num rp-nowrap", text: t.distance }),
        el("td", { cls: "num", text: t.reported + "/" + t.stops.length })]);
    }));
    panel.appendChild(el("table", null, [head, rows]));
    if (p.reasons.length) {
      panel.appendChild(el("h2", { text: "未安排（" + p.kpis[1][0] + "）" }));
      panel.appendChild(table(p.reasons.map(function (r) { return [r[0], String(r[1])]; }), [false, true]));
      if (p.unplaced) panel.appendChild(el("p", { text: p.unplaced + " 个案件无坐标，未在地图上显示。" }));
    }
    panel.appendChild(el("h2", { text: "现场上报（" + p.reportedTotal + "）" }));
    if (p.byStatus.length) {
      panel.appendChild(table(p.byStatus.map(function (r) { return [r[0], String(r[1])]; }), [false, true]));
      panel.appendChild(el("details", null, [el("summary", { text: "最近上报" }), table(p.recent)]));
    } else {
      panel.appendChild(el("p", { text: "尚无上报。" }));
    }
    if (p.warnings.length) {
      panel.appendChild(el("h2", { text: "提示" }));
      panel.appendChild(el("ul", null, p.warnings.map(function (w) { return el("li", { text: w }); })));
    }
    return panel;
  }

  function overviewPage(data) {
    var body = document.body;
    var mapBox = el("div", { id: "rp-map", cls: "rp-map" });
    body.appendChild(mapBox);
    body.appendChild(overviewPanel(data.panel, data.teams));
    var map = makeMap(mapBox, data.tiles);
    var layers = [];
    var bounds = L.latLngBounds([]);
    var entries = [];

    if (data.boundaries && data.boundaries.features.length) {
      var outlines = L.geoJSON(data.boundaries, {
        style: function () { return { color: "#546e7a", weight: 1.5, fill: false, dashArray: "4 4", opacity: 0.8 }; },
        onEachFeature: function (f, layer) {
          var name = f.properties && f.properties.name;
          if (name) layer.bindTooltip(el("span", { text: name }), { sticky: true });
        }
      }).addTo(map);
      layers.push({ name: ["地市边界"], layer: outlines });
    }

    data.teams.forEach(function (t) {
      var group = L.featureGroup().addTo(map);
      if (t.line.length) {
        L.polyline(t.line, { color: t.colour, weight: 4, opacity: 0.85, className: "rp-route" }).addTo(group);
        t.line.forEach(function (ll) { bounds.extend(ll); });
      }
      t.stops.forEach(function (s) {
        var m = L.marker(s.ll, { icon: pinIcon(s.n, s.state || "pending", { colour: t.colour, extra: "rp-pin-team", size: 34 }),
                                 title: t.team + " " + s.n + " " + s.id });
        m.bindPopup(function () {
          return popupBox([
            el("div", { cls: "rp-pop-h" }, [el("b", { text: t.team + " · " + s.n }), " " + s.id]),
            el("div", { cls: "rp-pop-t" }, ["计划到达 ", el("b", { text: s.arr }), " · 离开 " + s.dep]),
            el("div", { cls: "rp-pop-m", text: "可访时段 " + s.win + " · 服务 " + s.svc }),
            s.state ? el("div", { cls: "rp-pop-o", text: "上报：" + data.labels[s.state] + " " + s.at }) : null
          ]);
        }, { maxWidth: 300 });
        m.addTo(group);
        entries.push({ marker: m, ll: L.latLng(s.ll) });
        bounds.extend(s.ll);
      });
      var sw = el("span", { cls: "rp-swatch" });
      sw.style.background = t.colour;
      layers.push({ name: [sw, t.team + "（" + t.stops.length + " 站）"], layer: group });
    });

    if (data.unassignedTotal) {
      var left = L.featureGroup().addTo(map);
      data.unassigned.forEach(function (v) {
        var m = L.marker(v.ll, { icon: pinIcon("!", "unassigned", { extra: "rp-pin-un" }), title: v.id });
        m.bindPopup(function () {
          return popupBox([
            el("div", { cls: "rp-pop-h" }, [el("b", { text: "未安排" }), " " + v.id]),
            el("div", { cls: "rp-pop-t", text: v.reason }),
            el("div", { cls: "rp-pop-m", text: v.detail })
          ]);
        }, { maxWidth: 300 });
        m.addTo(left);
        entries.push({ marker: m, ll: L.latLng(v.ll) });
        bounds.extend(v.ll);
      });
      layers.push({ name: ["未安排（" + data.unassignedTotal + "）"], layer: left });
    }
    layerList(map, layers);
    var wide = map.getSize().x > 700; // keep the stops clear of the layer list and the panel
    if (bounds.isValid()) {
      // clear of the layer list and the panel: beside them wide, above and below on a phone
      map.fitBounds(bounds, { paddingTopLeft: [wide ? 190 : 20, wide ? 20 : 130],
                              paddingBottomRight: [wide ? 360 : 20, wide ? 20 : 190] });
    } else {
      map.setView([34.0, 113.6], 7);
    }
    declutter(map, entries);
    RP.overviewState = { map: map };
  }

  function start() {
    var block = document.getElementById("rp-data");
    if (!block) return;
    var data = JSON.parse(block.textContent);
    if (data.kind === "field") fieldPage(data);
    else if (data.kind === "overview") overviewPage(data);
  }

  RP.el = el;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
