/* The patient's page: moving pictures (SMIL, started here, never under reduced motion), hold
   timers, today's ticks and pain score (kept on the phone; sent to the clinic only where the page
   says so), and the offline copy kept by the service worker. Without JavaScript the page shows
   the printed pictures and everything else still reads. Its words come from the page (data-
   attributes, in the page's language): "%(num)d minutes" is filled in by say(). */
"use strict";
(() => {
  const say = (words, values) => words.replace(/%\((\w+)\)[sd]/g, (_all, name) => String(values[name]));
  const reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
  const pauseButton = document.querySelector("[data-pause]");
  const figures = [...document.querySelectorAll(".figure")].filter((f) => f.querySelector(".moving svg"));
  let paused = false;
  const pauseWords = pauseButton ? pauseButton.textContent : "";

  /* Moving pictures ------------------------------------------------------------------------ */
  function showMotion() {
    const still = reduceMotion.matches;
    for (const figure of figures) {
      const moving = figure.querySelector(".moving");
      const svg = moving.querySelector("svg");
      const picture = figure.querySelector(".still");
      moving.hidden = still;
      if (picture) picture.hidden = !still;
      if (still) {
        svg.pauseAnimations();
        svg.setCurrentTime(0);
      } else if (!svg.dataset.started) {
        svg.dataset.started = "1";
        for (const animation of svg.querySelectorAll("animate")) animation.beginElement();
      }
      if (!still) {
        if (paused) svg.pauseAnimations(); else svg.unpauseAnimations();
      }
    }
    if (pauseButton) pauseButton.hidden = still || figures.length === 0;
  }
  if (pauseButton) {
    pauseButton.addEventListener("click", () => {
      paused = !paused;
      pauseButton.setAttribute("aria-pressed", String(paused));
      pauseButton.textContent = paused ? pauseButton.dataset.playWords : pauseWords;
      showMotion();
    });
  }
  reduceMotion.addEventListener("change", showMotion);
  showMotion();

  /* Hold timers ------------------------------------------------------------------------------ */
  const timerWords = (document.querySelector(".exercises") || document.body).dataset;
  function words(seconds) {
    const minutes = Math.floor(seconds / 60);
    const rest = seconds % 60;
    const minuteWords = say(minutes === 1 ? timerWords.minute : timerWords.minutes, { num: minutes });
    const secondWords = say(rest === 1 ? timerWords.second : timerWords.seconds, { num: rest });
    if (!minutes) return secondWords;
    return rest ? say(timerWords.and, { minutes: minuteWords, seconds: secondWords }) : minuteWords;
  }
  const timeLeft = (seconds) => say(timerWords.left, { time: words(seconds) });
  for (const timer of document.querySelectorAll(".timer")) {
    const total = Number(timer.dataset.seconds);
    const button = timer.querySelector("[data-timer]");
    const left = timer.querySelector("[data-left]");
    const label = button.textContent;
    let ticking = null;
    timer.hidden = false;
    const stop = (message) => {
      clearInterval(ticking);
      ticking = null;
      button.textContent = label;
      left.textContent = message;
    };
    button.addEventListener("click", () => {
      if (ticking) { stop(timerWords.stopped); return; }
      const end = Date.now() + total * 1000;
      button.textContent = timerWords.stop;
      left.textContent = timeLeft(total);
      ticking = setInterval(() => {
        const remaining = Math.max(0, Math.round((end - Date.now()) / 1000));
        if (remaining === 0) {
          stop(timerWords.timeUp);
          if (navigator.vibrate) navigator.vibrate(300);
        } else {
          left.textContent = timeLeft(remaining);
        }
      }, 250);
    });
  }

  /* Today's ticks and pain score --------------------------------------------------------------- */
  const today = document.querySelector("[data-log]");
  const dayKey = (date) => {
    const pad = (n) => String(n).padStart(2, "0");
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  };
  function readLog(key) {
    try { return JSON.parse(localStorage.getItem(key)) || {}; } catch { return {}; }
  }
  function writeLog(key, log) {
    try { localStorage.setItem(key, JSON.stringify(log)); } catch { /* private mode: today's page only */ }
  }
  if (today) {
    const key = today.dataset.log;
    const sendTo = today.dataset.send;
    const controls = today.querySelector(".log-controls");
    const count = today.querySelector("[data-count]");
    const week = today.querySelector("[data-week] tbody");
    const log = readLog(key);
    const todayWords = today.dataset;
    controls.hidden = false;

    const entry = (day) => (log[day] = log[day] || { sessions: 0, pain: null, sent: true, rev: 0 });
    const sending = new Set();  // days with a report on its way: one at a time per day
    function send() {
      if (!sendTo || !navigator.onLine) return;
      for (const [day, item] of Object.entries(log)) {
        if (item.sent || sending.has(day)) continue;
        const rev = item.rev || 0;
        sending.add(day);
        fetch(sendTo, {
          method: "POST", headers: { "Content-Type": "application/json" }, credentials: "omit",
          referrerPolicy: "no-referrer", body: JSON.stringify({ day, sessions: item.sessions, pain: item.pain }),
        }).then((response) => {
          sending.delete(day);
          // Kept, or refused for good (a link that ended, a day too old): either way, not again.
          // A change made while this report was on its way is sent next.
          if ((response.ok || response.status === 404 || response.status === 400) && (item.rev || 0) === rev) {
            item.sent = true;
            writeLog(key, log);
          } else if (response.ok) {
            send();
          }
        }).catch(() => { sending.delete(day); /* offline: sent when the phone is online again */ });
      }
    }
    function draw() {
      const item = log[dayKey(new Date())];
      const sessions = item ? item.sessions : 0;
      count.textContent = sessions === 0 ? todayWords.notYet : sessions === 1 ? todayWords.once
        : sessions === 2 ? todayWords.twice : say(todayWords.times, { num: sessions });
      for (const radio of today.querySelectorAll("[data-pain]")) {
        radio.checked = item != null && item.pain === Number(radio.value);
      }
      week.replaceChildren();
      for (let back = 6; back >= 0; back -= 1) {
        const date = new Date();
        date.setDate(date.getDate() - back);
        const day = log[dayKey(date)];
        const row = week.insertRow();
        const name = back === 0 ? todayWords.today : date.toLocaleDateString(document.documentElement.lang || "en",
          { weekday: "long", day: "numeric", month: "short" });
        for (const text of [name, day ? String(day.sessions) : "0", day && day.pain !== null ? String(day.pain) : "-"]) {
          row.insertCell().textContent = text;
        }
      }
    }
    function change(update) {
      const item = entry(dayKey(new Date()));
      update(item);
      item.rev = (item.rev || 0) + 1;
      item.sent = !sendTo;
      writeLog(key, log);
      draw();
      send();
    }
    today.querySelector("[data-tick]").addEventListener("click", () => change((item) => {
      item.sessions = Math.min(10, item.sessions + 1);
    }));
    today.querySelector("[data-untick]").addEventListener("click", () => change((item) => {
      item.sessions = Math.max(0, item.sessions - 1);
    }));
    for (const radio of today.querySelectorAll("[data-pain]")) {
      radio.addEventListener("change", () => change((item) => { item.pain = Number(radio.value); }));
    }
    window.addEventListener("online", send);
    draw();
    send();
  }

  /* Offline: keep this page and what it needs ------------------------------------------------- */
  const OFFLINE_CACHE = "prescribe-patient-v2";
  const worker = document.querySelector("[data-service-worker]");
  const offlineNote = document.querySelector("[data-offline-note]");
  if (worker && "serviceWorker" in navigator && window.caches) {
    navigator.serviceWorker.register(worker.dataset.serviceWorker, { scope: "/" }).then(() => caches.open(OFFLINE_CACHE))
      .then(async (cache) => {
        const assets = [...document.querySelectorAll("link[rel=stylesheet], link[rel=manifest], script[src]")]
          .map((element) => element.href || element.src);
        await cache.addAll(assets);
        // The page itself, under the address the worker keeps it by (the QR code's /P/ and /p/ alike),
        // asked for as an offline copy (not counted as another opening).
        const page = await fetch(location.href, { headers: { "X-Offline-Copy": "1" }, credentials: "omit" });
        const kept = location.origin + location.pathname.replace(/^\/p\/([^/]+)/i,
          (_all, key) => "/p/" + key.toUpperCase());
        if (page.ok) await cache.put(kept, page);
        if (offlineNote) offlineNote.hidden = false;
        document.documentElement.dataset.offline = "ready";
      }).catch(() => { /* no offline copy: the page still works online */ });
  }
})();
