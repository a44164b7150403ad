/* yima field operations: on-site location, and submissions that survive a missing signal.

   Every form marked data-offline gets a fresh client id (crypto.randomUUID) when the page
   loads. On submit the form's data (photos included) is first stored in IndexedDB, then sent;
   if there is no network it stays there and is sent when the network returns. The server
   treats the client id as an idempotency key, so a submission that is sent twice (a timeout,
   a retry, a second tab) is recorded once. Without JavaScript the forms post normally. */
(function () {
  'use strict';
  const DB_NAME = 'yima-ops';
  const STORE = 'outbox';
  const PAGE_CACHE = 'yima-ops-pages-v1';
  // The pages sw.js keeps for use without signal (same pattern there).
  const OFFLINE_PAGE = /^\/ops\/f\/[^/]+\/(inspect\/|sample\/)?$/;
  let syncing = false;

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  // --- IndexedDB outbox ------------------------------------------------------------------
  function openDb() {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE, {keyPath: 'id'});
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  async function tx(mode, fn) {
    const db = await openDb();
    return new Promise((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const result = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(result && 'result' in result ? result.result : undefined);
      t.onerror = () => reject(t.error);
    });
  }
  const outbox = {
    put: (item) => tx('readwrite', (s) => s.put(item)),
    remove: (id) => tx('readwrite', (s) => s.delete(id)),
    all: () => tx('readonly', (s) => s.getAll()),
  };

  // --- The "waiting to be sent" line ---------------------------------------------------------
  async function showCount(extra) {
    const el = document.querySelector('[data-outbox]');
    if (!el) return;
    const items = await outbox.all();
    const mine = items.filter((i) => !i.user || i.user === currentUser());
    if (!mine.length) { el.hidden = true; el.textContent = ''; el.dataset.count = '0'; return; }
    let text = el.dataset.waiting.replace('{count}', mine.length);
    const failed = mine.filter((i) => i.error);
    if (failed.length) text += ' · ' + failed.map((i) => `${i.label} ${el.dataset.failed} ${i.error}`).join('; ');
    if (extra) text += ' · ' + extra;
    el.textContent = text;
    el.dataset.count = String(mine.length);
    el.hidden = false;
  }

  function currentUser() {
    const form = document.querySelector('[data-user]');
    return form ? form.dataset.user : '';
  }

  // --- Sending ----------------------------------------------------------------------------------
  function firstError(body) {
    if (!body || !body.errors) return body && body.error ? body.error : '';
    const all = Object.values(body.errors).flat();
    return all.length ? all[0] : '';
  }

  /* Send every waiting submission of the logged-in user. Returns {sent: {id: url}}. Stops at
     the first network failure; a submission the server refuses (400/403/404) is kept with its
     error shown, never silently dropped. */
  async function sync() {
    const sent = {};
    if (syncing || !navigator.onLine) return {sent};
    const items = await outbox.all();
    if (!items.length) return {sent};
    syncing = true;
    const el = document.querySelector('[data-outbox]');
    try {
      let token;
      try {
        const r = await fetch('/ops/sync-token/', {headers: {Accept: 'application/json'}, cache: 'no-store', credentials: 'same-origin'});
        if (r.status === 401) { await showCount(el && el.dataset.login); return {sent}; }
        if (!r.ok) return {sent};
        token = await r.json();
      } catch (e) { return {sent}; }
      for (const item of items) {
        if (item.user && item.user !== token.user) continue;  // never send as someone else
        const body = new FormData();
        for (const [name, value] of item.entries) body.append(name, value);
        let response;
        try {
          response = await fetch(item.url, {
            method: 'POST', body, credentials: 'same-origin',
            headers: {Accept: 'application/json', 'X-CSRFToken': token.csrf},
          });
        } catch (e) { break; }  // the network went away again: try later
        let data = null;
        try { data = await response.json(); } catch (e) { data = null; }
        if (response.ok && data && data.ok) {
          await outbox.remove(item.id);
          sent[item.id] = data.url;
        } else if ([400, 403, 404, 409, 413].includes(response.status)) {
          item.error = firstError(data) || String(response.status);
          await outbox.put(item);
        } else {
          break;  // 5xx or 401: keep everything, try later
        }
      }
    } finally {
      syncing = false;
      await showCount();
    }
    return {sent};
  }

  // --- Forms ------------------------------------------------------------------------------------
  function enhance(form) {
    const fields = form.elements;
    fields.client_id.value = uuid();  // a cached page must not reuse an earlier submission's id
    if (fields.started_at) fields.started_at.value = new Date().toISOString();
    if (fields.sampled_at && fields.sampled_at.type === 'datetime-local' && !form.querySelector('.errorlist')) {
      // A page kept for offline use shows the time it was saved: default to now instead.
      const now = new Date();
      now.setMinutes(now.getMinutes() - now.getTimezoneOffset());
      fields.sampled_at.value = now.toISOString().slice(0, 16);
    }
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const button = form.querySelector('[type=submit]');
      if (button) button.disabled = true;
      if (fields.finished_at) fields.finished_at.value = new Date().toISOString();
      const entries = [];
      for (const [name, value] of new FormData(form)) {
        if (name === 'csrfmiddlewaretoken') continue;
        if (value instanceof File && !value.size) continue;  // an empty file input
        entries.push([name, value]);
      }
      const id = fields.client_id.value;
      await outbox.put({id, url: form.action || location.pathname, entries, user: form.dataset.user,
                        label: form.dataset.label || '', created: Date.now()});
      await showCount();
      const {sent} = await sync();
      if (sent[id]) { location.href = sent[id]; return; }
      const items = await outbox.all();
      const mine = items.find((i) => i.id === id);
      if (mine && mine.error) {
        // Refused by the server (e.g. a wrong value): let the normal form show why.
        await outbox.remove(id);
        form.submit();
        return;
      }
      // Kept on the phone: start a new, empty submission with a new id.
      form.reset();
      fields.client_id.value = uuid();
      if (fields.started_at) fields.started_at.value = new Date().toISOString();
      if (button) button.disabled = false;
      const note = document.createElement('p');
      note.className = 'messages queued';
      note.setAttribute('role', 'status');
      note.textContent = form.dataset.saved;
      form.parentNode.insertBefore(note, form);
      window.scrollTo(0, 0);
    });
  }

  // --- Location --------------------------------------------------------------------------------
  function locate(form) {
    const box = document.querySelector('[data-geo]');
    const status = box && box.querySelector('[data-geo-status]');
    const f = form.elements;
    if (!box || !f.latitude) return;
    if (!('geolocation' in navigator)) { status.textContent = box.dataset.failed; return; }
    status.textContent = box.dataset.locating;
    let best = null;
    function apply() {
      if (!best) return;
      f.latitude.value = best.latitude.toFixed(7);
      f.longitude.value = best.longitude.toFixed(7);
      f.accuracy_m.value = Math.max(0.1, best.accuracy).toFixed(1);
      f.coord_system.value = 'wgs84';  // the browser's Geolocation API reports WGS-84
    }
    // Keep the most accurate fix seen while the technician works through the checklist.
    navigator.geolocation.watchPosition((pos) => {
      const c = pos.coords;
      if (best && best.accuracy <= c.accuracy) return;
      best = c;
      apply();
      status.textContent = box.dataset.found.replace('{accuracy}', Math.round(c.accuracy));
      box.classList.remove('failed');
      box.classList.add('found');
    }, () => {
      if (!best) { status.textContent = box.dataset.failed; box.classList.add('failed'); }
    }, {enableHighAccuracy: true, timeout: 30000, maximumAge: 60000});
    form.addEventListener('reset', () => setTimeout(apply, 0));  // the next inspection here
  }

  function outcomeFollowsChecklist(form) {
    const abnormal = form.querySelector('input[name=outcome][value=abnormal]');
    if (!abnormal) return;
    form.addEventListener('change', (e) => {
      if (e.target.name && e.target.name.startsWith('item_') && e.target.value === 'problem') abnormal.checked = true;
    });
  }

  // --- Service worker and page cache -------------------------------------------------------
  async function registerWorker() {
    if (!('serviceWorker' in navigator) || !window.isSecureContext) return;
    try {
      await navigator.serviceWorker.register('/ops/sw.js', {scope: '/ops/'});
      await navigator.serviceWorker.ready;
      // A page loaded before the worker took control (the first visit) is not in the cache:
      // keep it for offline use. Whether the worker already claimed this page by now is a race,
      // so ask the cache rather than navigator.serviceWorker.controller.
      if ('caches' in window && OFFLINE_PAGE.test(location.pathname)) {
        const cache = await caches.open(PAGE_CACHE);
        if (!(await cache.match(location.pathname))) await cache.add(location.pathname);
      }
      document.querySelectorAll('[data-offline-ready]').forEach((el) => { el.hidden = false; });
      document.documentElement.dataset.offlineReady = '1';
    } catch (e) { /* offline use is an extra; the forms still post normally */ }
  }

  document.querySelectorAll('form[data-offline]').forEach((form) => {
    enhance(form); locate(form); outcomeFollowsChecklist(form);
  });
  window.addEventListener('online', () => { sync(); });
  setInterval(() => { sync(); }, 30000);
  showCount().then(() => sync());
  registerWorker();
})();
