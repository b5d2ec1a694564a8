/* Service worker of the production diary (served at /nhat-ky-san-xuat/sw.js, so its scope is the diary pages).
   Diary pages: network first, the last copy when offline. Static assets (/static/): cache first. The page tells the
   worker which URLs make its shell (message {cache: [...]}) so that the first visit is enough to work offline. */
"use strict";
const CACHE = "nongthonso-diary-v1";
const SCOPE = new URL("./", self.location).pathname;

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith("nongthonso-diary-") && k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener("message", (event) => {
  const urls = (event.data && Array.isArray(event.data.cache)) ? event.data.cache : [];
  const same = urls.filter((u) => new URL(u, self.location).origin === self.location.origin);
  event.waitUntil(caches.open(CACHE).then((cache) => Promise.all(same.map((u) =>
    fetch(u, { credentials: "same-origin" }).then((r) => (r.ok && !r.redirected) ? cache.put(u, r) : null).catch(() => null)))));
});

function networkFirst(request) {
  return fetch(request).then((response) => {
    if (response.ok && !response.redirected) {
      const copy = response.clone();
      caches.open(CACHE).then((cache) => cache.put(request, copy));
    }
    return response;
  }).catch(() => caches.open(CACHE).then((cache) => cache.match(request, { ignoreSearch: true, ignoreVary: true }))
    .then((hit) => hit || new Response("Không có mạng và trang này chưa được lưu trên máy.", {
      status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } })));
}

function cacheFirst(request) {
  return caches.open(CACHE).then((cache) => cache.match(request, { ignoreVary: true }).then((hit) => hit || fetch(request).then((response) => {
    if (response.ok) cache.put(request, response.clone());
    return response;
  })));
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(cacheFirst(request));
  } else if (url.pathname.startsWith(SCOPE) && !url.pathname.startsWith(SCOPE + "anh/")) {
    event.respondWith(networkFirst(request));
  }
});
