// Small conveniences on top of a form that works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  // Enter in the exercise search box searches instead of submitting the whole program.
  const input = document.querySelector("[data-search-input]");
  const button = document.querySelector("[data-search-button]");
  if (input && button) {
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") { event.preventDefault(); button.click(); }
    });
  }
  // Bring a just-added or moved row into view after the page re-renders.
  const target = sessionStorage.getItem("prescribe-scroll");
  if (target !== null) { window.scrollTo(0, Number(target)); sessionStorage.removeItem("prescribe-scroll"); }
  document.querySelectorAll(".builder button[name=action]").forEach((b) => {
    if (!["preview", "download"].includes(b.value)) {
      b.addEventListener("click", () => sessionStorage.setItem("prescribe-scroll", String(window.scrollY)));
    }
  });

  // Length limits: "37 of 200 characters" as the therapist types; past the limit the text stays
  // and the form says so next to the field when it is sent.
  const count = (input) => {
    const counter = document.getElementById(`${input.id}-count`);
    if (!counter) return;
    const limit = Number(input.dataset.maxlength);
    const used = input.value.replace(/\r\n/g, "\n").length;
    counter.textContent = used > limit ? `${used} of ${limit} characters: ${used - limit} too many`
                                       : `${used} of ${limit} characters`;
    counter.classList.toggle("over", used > limit);
  };
  document.querySelectorAll("[data-maxlength]").forEach((input) => {
    if (input.value) count(input);
    input.addEventListener("input", () => count(input));
  });

  // Rows whose side still follows the affected side take its new default at once (the server does
  // the same on every post: prescribe.programs.default_side; a side chosen by hand is kept).
  const affected = document.querySelector("select[name=affected_side]");
  if (affected) {
    affected.addEventListener("change", () => {
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
  }

  // Keep the handout rendered in the background while the therapist edits, so Preview opens and
  // Download returns at once: the server hands back the PDF it already drew for the same program.
  const form = document.querySelector("form.builder");
  const status = document.querySelector("[data-preview-status]");
  const signedOut = document.querySelector("[data-signed-out]");
  if (form && status && window.fetch) {
    let timer = null;
    let generation = 0;
    const refresh = async () => {
      const mine = ++generation;
      const data = new FormData(form);
      data.set("action", "preview");
      data.set("background", "1");  // render ahead, send nothing back: not a preview anyone saw
      status.textContent = "Updating the handout…";
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
        status.textContent = response.ok ? "Handout up to date."
          : response.status === 422 ? "Check the marked fields before printing." : "";
      } catch (error) {
        if (mine === generation) status.textContent = "";
      }
    };
    const schedule = () => { clearTimeout(timer); timer = setTimeout(refresh, 1200); };
    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    refresh();
  }

  // A page left open past the idle limit: the server has ended the session, and sending the form
  // would lead to the sign-in page and lose every change on this page. So ask first; if the session
  // has ended, keep the page and say how to sign in again (another tab). Once signed in again, the
  // page takes the new session's CSRF token and the same button works.
  const checkUrl = form && form.dataset.sessionCheck;
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
        if (status) status.textContent = "Signed in again. Your changes are still here.";
      }
    });
  }
});
