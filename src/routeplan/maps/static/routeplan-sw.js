/* routeplan service worker: keeps the field page, its assets and the tiles already seen, so
 * the day's route still opens without signal. Serve it from the folder of the field pages
 * (e.g. /m/routeplan-sw.js for /m/{token}) so its scope covers them. A page that answers
 * 410 (link revoked or expired) is removed from the cache with its sheet on that contact. */
"use strict";
var CACHE = "routeplan-field-v1";
var TILES = "routeplan-tiles-v1";
var MAX_TILES = 600;
// The page registers this worker as routeplan-sw.js?assets=<assets_url>.
var ASSETS = new URL(new URL(self.location.href).searchParams.get("assets") || "/assets/",
                     self.location.href).href;

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function trim(cache) {
  return cache.keys().then(function (keys) {
    var extra = keys.length - MAX_TILES;
    return Promise.all(keys.slice(0, Math.max(0, extra)).map(function (k) { return cache.delete(k); }));
  });
}

/* A revoked or expired link (410): its page and sheet leave Cache Storage at once. */
function forget(url) {
  var page = url.origin + url.pathname.replace(/\/sheet$/, "");
  return caches.open(CACHE).then(function (cache) {
    return cache.keys().then(function (reqs) {
      return Promise.all(reqs.filter(function (r) {
        var u = new URL(r.url);
        var p = u.origin + u.pathname;
        return p === page || p.indexOf(page + "/") === 0;
      }).map(function (r) { return cache.delete(r); }));
    });
  }).catch(function () { /* nothing cached */ });
}

self.addEventListener("fetch", function (event) {
  var req = event.request;
  if (req.method !== "GET") return;
  var url = new URL(req.url);
  if (req.mode === "navigate") {
    // Network first, so a re-plan shows at once; the last copy when offline.
    event.respondWith(fetch(req).then(function (res) {
      if (res.ok) {
        var copy = res.clone();
        return caches.open(CACHE).then(function (c) { return c.put(req, copy); })
          .then(function () { return res; }, function () { return res; });
      }
      if (res.status === 410) return forget(url).then(function () { return res; });
      return res;
    }).catch(function () {
      return caches.match(req).then(function (hit) { return hit || Response.error(); });
    }));
  } else if (url.href.indexOf(ASSETS) === 0) {
    // Versioned assets: cache first.
    event.respondWith(caches.match(req).then(function (hit) {
      return hit || fetch(req).then(function (res) {
        if (res.ok) { var copy = res.clone(); caches.open(CACHE).then(function (c) { c.put(req, copy); }); }
        return res;
      });
    }));
  } else if (req.destination === "image") {
    // Map tiles: the cached one, else the network (kept, up to MAX_TILES).
    event.respondWith(caches.open(TILES).then(function (cache) {
      return cache.match(req).then(function (hit) {
        return hit || fetch(req).then(function (res) {
          cache.put(req, res.clone()).then(function () { return trim(cache); });
          return res;
        });
      });
    }));
  }
});
