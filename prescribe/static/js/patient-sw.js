/* The patient's page offline: pages under /p/ come from the network when it answers, else from
   the copy the page kept (static/js/patient.js); their style and script from the copy first. */
"use strict";
const OFFLINE_CACHE = "prescribe-patient-v1";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).then((response) => {
      if (response.ok) {
        const copy = response.clone();
        caches.open(OFFLINE_CACHE).then((cache) => cache.put(request.url, copy));
      }
      return response;
    }).catch(() => caches.match(request.url, { ignoreVary: true }).then((kept) => kept || Response.error())));
    return;
  }
  if (url.pathname.startsWith("/static/") || url.pathname.endsWith("/manifest.webmanifest")) {
    event.respondWith(caches.match(request, { ignoreVary: true }).then((kept) => kept || fetch(request)));
  }
});
