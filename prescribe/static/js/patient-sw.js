/* The patient's page offline. Registered for the whole site (the QR code's address is /P/<key>,
   the page's own /p/<key>), it answers only for the patient's pages and their few files, and
   leaves every other request to the browser.

   Pages: the network first; a page it answers is kept (under one key for /P/ and /p/), a page it
   says is gone (404: revoked or ended) is dropped, and with no network the kept copy is shown.
   The page's style, script, icon and manifest: the network first too, so an update arrives. */
"use strict";
const OFFLINE_CACHE = "prescribe-patient-v2";
const PAGE = /^\/p\/([A-Za-z0-9-]{10,40})(\/newest)?\/?$/i;
const MANIFEST = /^\/p\/([A-Za-z0-9-]{10,40})\/manifest\.webmanifest$/i;
const ASSETS = new Set(["/static/css/patient.css", "/static/js/patient.js", "/static/patient/icon.svg"]);

/** The address a page or file is kept under: /P/KEY and /p/key are one page. */
function keptAddress(url) {
  const page = PAGE.exec(url.pathname);
  if (page) return `${url.origin}/p/${page[1].toUpperCase()}${(page[2] || "").toLowerCase()}`;
  if (MANIFEST.test(url.pathname) || ASSETS.has(url.pathname)) return url.origin + url.pathname;
  return null;
}

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil((async () => {
  for (const name of await caches.keys()) {
    if (name.startsWith("prescribe-patient-") && name !== OFFLINE_CACHE) await caches.delete(name);
  }
  await self.clients.claim();
})()));

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  const kept = keptAddress(url);
  if (kept === null) return;  // not the patient's page: the browser's own way
  event.respondWith((async () => {
    const cache = await caches.open(OFFLINE_CACHE);
    try {
      const response = await fetch(request);
      if (response.ok) await cache.put(kept, response.clone());
      else if (response.status === 404) await cache.delete(kept);
      return response;
    } catch (offline) {
      const copy = await cache.match(kept, { ignoreVary: true, ignoreSearch: true });
      if (copy) return copy;
      throw offline;
    }
  })());
});
