/* yima field operations service worker (scope /ops/): keeps the inspection and sample pages
   and their assets available without signal. Submissions are not handled here: ops.js queues
   them in IndexedDB and sends them when the network returns. */
'use strict';
const VERSION = '{{ version|escapejs }}';
const STATIC_CACHE = 'yima-ops-static-' + VERSION;
const PAGE_CACHE = 'yima-ops-pages-v1';
const ASSETS = [{% for url in assets %}'{{ url|escapejs }}'{% if not forloop.last %}, {% endif %}{% endfor %}];
// Pages worth keeping for use without signal: a facility's field page and its two forms.
const OFFLINE_PAGE = /^\/ops\/f\/[^/]+\/(inspect\/|sample\/)?$/;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(STATIC_CACHE).then((c) => c.addAll(ASSETS)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith('yima-ops-static-') && key !== STATIC_CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

async function networkFirst(request) {
  const cache = await caches.open(PAGE_CACHE);
  try {
    const response = await fetch(request);
    const url = new URL(request.url);
    if (response.ok && !response.redirected && OFFLINE_PAGE.test(url.pathname)) {
      await cache.put(url.pathname, response.clone());
    }
    return response;
  } catch (err) {
    const cached = await cache.match(new URL(request.url).pathname);
    if (cached) return cached;
    return new Response(
      '<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width">' +
      '<p style="font:18px sans-serif;padding:1rem">当前没有网络，此页面尚未保存到本机。<br>' +
      'No signal, and this page has not been saved on this phone.</p>',
      {status: 503, headers: {'Content-Type': 'text/html; charset=utf-8'}});
  }
}

async function cacheFirst(request) {
  const cached = await caches.match(request, {cacheName: STATIC_CACHE});
  return cached || fetch(request);
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (ASSETS.includes(url.pathname)) {
    event.respondWith(cacheFirst(request));
  } else if (request.mode === 'navigate' && url.pathname.startsWith('/ops/')) {
    event.respondWith(networkFirst(request));
  }
});
