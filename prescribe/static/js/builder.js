// The builder on top of a form that works without JavaScript: every button posts the form and the
// page comes back. With JavaScript, htmx (static/vendor) sends the row actions, the search, Check
// and Save as template and swaps in only the part that changed; this file puts keyboard focus where
// the server's reply says (its "builder-changed" event), announces the change, reorders by drag,
// counts characters, keeps sides following the affected side, renders the PDF ahead, and keeps the
// page when the session has ended.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form.builder");
  // The words this script shows come from the page (data-words-* on the form, in the page's
  // language); "{used}" and the like are filled in here. English stays as the fallback.
  const words = (name, fallback, values = {}) => {
    const text = (form && form.dataset[name]) || fallback;
    return text.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole));
  };
  const announcer = document.querySelector("[data-announce]");
  const say = (text) => {
    if (!announcer || !text) return;
    announcer.textContent = "";  // the same words twice are announced twice
    window.setTimeout(() => { announcer.textContent = text; }, 50);
  };

  // Enter in the exercise search box searches instead of checking the whole program.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || !event.target.matches("[data-search-input]")) return;
    const button = document.querySelector("[data-search-button]");
    if (button) { event.preventDefault(); button.click(); }
  });

  // Keyboard reorder from anywhere in a row: Alt+Up and Alt+Down press its Up and Down buttons.
  document.addEventListener("keydown", (event) => {
    if (!event.altKey || !["ArrowUp", "ArrowDown"].includes(event.key)) return;
    const row = event.target.closest && event.target.closest("li.row");
    if (!row) return;
    const button = row.querySelector(`[id$="-${event.key === "ArrowUp" ? "up" : "down"}"]`);
    if (button && !button.disabled) { event.preventDefault(); button.click(); }
  });

  // Moving around a long program: Alt+Page Down / Alt+Page Up go to the next or previous
  // exercise's first field; "/" (outside a text field) goes to the exercise search; Ctrl+P (or
  // Cmd+P) previews the handout to print it, rather than printing this page; Ctrl+S downloads it.
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (event.altKey && ["PageDown", "PageUp"].includes(event.key)) {
      const rows = Array.from(document.querySelectorAll("#exercise-list > li.row"));
      const follows = (a, b) => a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING;
      const others = rows.filter((row) => !row.contains(target));
      const next = event.key === "PageDown" ? others.find((row) => follows(target, row))
                                            : others.filter((row) => follows(row, target)).pop();
      const field = next && next.querySelector("input:not([type=hidden]), select, textarea");
      if (field) { event.preventDefault(); field.focus(); field.select && field.select(); }
    } else if (event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey
               && !target.matches("input, textarea, select, [contenteditable]")) {
      const search = document.querySelector("[data-search-input]");
      if (search) { event.preventDefault(); search.focus(); search.select(); }
    } else if ((event.ctrlKey || event.metaKey) && ["p", "s"].includes(event.key.toLowerCase()) && form) {
      const button = form.querySelector(`button[value=${event.key.toLowerCase() === "p" ? "preview" : "download"}]`);
      if (button) { event.preventDefault(); button.click(); }
    }
  });

  // Links to a place on the page (the error summary, "On this page") also move keyboard focus there.
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a[href^='#']");
    if (!link || !form || !form.contains(link)) return;
    const target = document.getElementById(link.getAttribute("href").slice(1));
    if (target) { event.preventDefault(); target.focus(); }
  });

  // Length limits: "37 of 200 characters" as the therapist types; past the limit the text stays
  // and the form says so next to the field when it is sent.
  const count = (input) => {
    const counter = document.getElementById(`${input.id}-count`);
    if (!counter) return;
    const limit = Number(input.dataset.maxlength);
    const used = input.value.replace(/\r\n/g, "\n").length;
    counter.textContent = used > limit
      ? words("wordsTooMany", "{used} of {limit} characters: {over} too many", { used, limit, over: used - limit })
      : words("wordsCount", "{used} of {limit} characters", { used, limit });
    counter.classList.toggle("over", used > limit);
  };
  const countAll = (root) => root.querySelectorAll("[data-maxlength]").forEach((input) => {
    if (input.value) count(input);
  });
  document.addEventListener("input", (event) => {
    if (event.target.dataset && event.target.dataset.maxlength) count(event.target);
  });
  countAll(document);

  // Rows whose side still follows the affected side take its new default at once (the server does
  // the same on every post: prescribe.programs.default_side; a side chosen by hand is kept).
  document.addEventListener("change", (event) => {
    const affected = event.target;
    if (affected.name !== "affected_side") return;
    const oneLeg = ["left", "right"].includes(affected.value);
    document.querySelectorAll("[data-side-follow]").forEach((cell) => {
      const select = cell.querySelector("select");
      const followed = document.querySelector(`input[name="${select.name}_default"]`);
      if (!followed || select.value !== followed.value) return;
      const afterSurgery = cell.dataset.surgery === "1";
      const side = cell.dataset.alternating === "1" && !(afterSurgery && oneLeg && cell.dataset.stands)
        ? "alternate" : (oneLeg ? affected.value : "both");
      select.value = side;
      followed.value = side;
    });
  });

  // The fixed action bar never covers the field being typed in: the page keeps its height free
  // when scrolling to a focused element, and a field that still ends up under it is scrolled up.
  const bar = document.querySelector("[data-actionbar]");
  if (bar) {
    const keepClear = () => {
      document.documentElement.style.scrollPaddingBottom = `${bar.offsetHeight + 16}px`;
    };
    keepClear();
    window.addEventListener("resize", keepClear);
    document.addEventListener("focusin", (event) => {
      if (bar.contains(event.target)) return;
      const covered = event.target.getBoundingClientRect().bottom - bar.getBoundingClientRect().top + 16;
      if (covered > 0) window.scrollBy(0, covered);
    });
  }

  // A refused print comes back as a whole page: focus goes to the summary of what to fix.
  const summary = document.querySelector("[data-error-summary]");
  if (summary) summary.focus();

  // After htmx swapped in a changed part: focus and announce what the server says. With no focus
  // given (Check found nothing wrong), focus goes back to the element that had it.
  let focusedBefore = null;
  document.addEventListener("htmx:beforeRequest", () => {
    focusedBefore = document.activeElement && document.activeElement.id;
  });
  document.addEventListener("builder-changed", (event) => {
    const detail = event.detail || {};
    const target = document.getElementById(detail.focus || focusedBefore || "");
    if (target) target.focus();
    say(detail.say);
  });
  document.addEventListener("htmx:afterSettle", (event) => {
    countAll(event.detail.elt || document);
    makeSortable();
  });

  // Drag and drop: a row dragged by its handle posts "move:FROM:TO" (SortableJS, mouse and touch);
  // the server renumbers the rows, so every input keeps its value.
  const makeSortable = () => {
    const list = document.querySelector("[data-sortable]");
    if (!list || !window.Sortable || list.dataset.sorting) return;
    list.dataset.sorting = "1";
    window.Sortable.create(list, {
      handle: ".drag-handle", draggable: "li.row", animation: 120, forceFallback: true,
      onEnd: (event) => {
        const button = document.querySelector("[data-move-button]");
        const from = Number(event.item.dataset.index);
        const rows = Array.from(list.querySelectorAll("li.row"));
        const to = rows.indexOf(event.item);
        if (!button || from === to || to < 0) return;
        button.value = `move:${from}:${to}`;
        button.click();
      },
    });
  };
  makeSortable();

  // Keep the handout rendered in the background while the therapist edits, so Preview opens and
  // Download returns at once: the server hands back the PDF it already drew for the same program.
  const status = document.querySelector("[data-preview-status]");
  const signedOut = document.querySelector("[data-signed-out]");
  let schedule = () => {};
  if (form && status && window.fetch) {
    let timer = null;
    let generation = 0;
    const refresh = async () => {
      const mine = ++generation;
      const data = new FormData(form);
      data.set("action", "preview");
      data.set("background", "1");  // render ahead, send nothing back: not a preview anyone saw
      status.textContent = words("wordsUpdating", "Updating the handout…");
      try {
        // form.action would be the buttons named "action"; read the attribute itself.
        const response = await fetch(form.getAttribute("action"), { method: "POST", body: data,
                                                                    credentials: "same-origin", redirect: "manual" });
        if (mine !== generation) return;
        if (response.type === "opaqueredirect") {  // the session has ended: see below
          status.textContent = "";
          if (signedOut) signedOut.hidden = false;
          return;
        }
        status.textContent = response.ok ? words("wordsUpToDate", "Handout up to date.")
          : response.status === 422 ? words("wordsCheckFields", "Check the marked fields before printing.") : "";
      } catch (error) {
        if (mine === generation) status.textContent = "";
      }
    };
    schedule = () => { clearTimeout(timer); timer = setTimeout(refresh, 1200); };
    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    document.addEventListener("builder-changed", schedule);
    refresh();
  }

  // A page left open past the idle limit: the server has ended the session, and sending the form
  // would lead to the sign-in page and lose every change on this page. So ask first; if the session
  // has ended, keep the page and say how to sign in again (another tab). Once signed in again, the
  // page takes the new session's CSRF token and the same button works. A part of the page asked
  // for by htmx gets a 401 instead (prescribe.web.guard), with the same message.
  const checkUrl = form && form.dataset.sessionCheck;
  if (form && signedOut) {
    document.addEventListener("htmx:responseError", (event) => {
      if (event.detail.xhr && event.detail.xhr.status === 401) {
        signedOut.hidden = false;
        say(signedOut.textContent);
      }
    });
  }
  if (form && signedOut && checkUrl && window.fetch && form.requestSubmit) {
    // The new session's token; null when signed out; undefined when the check itself failed.
    const currentToken = async () => {
      try {
        const response = await fetch(checkUrl, { credentials: "same-origin", redirect: "manual",
                                                  headers: { Accept: "application/json" } });
        if (response.type === "opaqueredirect") return null;
        return response.ok ? (await response.json()).csrf_token : undefined;
      } catch (error) {
        return undefined;
      }
    };
    const useToken = (token) => {
      document.querySelectorAll("input[name=csrf_token]").forEach((input) => { input.value = token; });
      signedOut.hidden = true;
    };
    let checked = false;
    form.addEventListener("submit", async (event) => {
      if (checked) { checked = false; return; }
      event.preventDefault();
      const submitter = event.submitter;
      const token = await currentToken();
      if (token === null) {
        signedOut.hidden = false;
        return;
      }
      if (token) useToken(token);
      checked = true;
      form.requestSubmit(submitter);
    });
    window.addEventListener("focus", async () => {
      if (signedOut.hidden) return;
      const token = await currentToken();
      if (token) {
        useToken(token);
        if (status) status.textContent = words("wordsSignedInAgain", "Signed in again. Your changes are still here.");
      }
    });
  }
});
