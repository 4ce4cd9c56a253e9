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

  // Keep the handout rendered in the background while the therapist edits, so Preview opens and
  // Download returns at once: the server hands back the PDF it already drew for the same program.
  const form = document.querySelector("form.builder");
  const status = document.querySelector("[data-preview-status]");
  if (form && status && window.fetch) {
    let timer = null;
    let generation = 0;
    const refresh = async () => {
      const mine = ++generation;
      const data = new FormData(form);
      data.set("action", "preview");
      status.textContent = "Updating the handout…";
      try {
        // form.action would be the buttons named "action"; read the attribute itself.
        const response = await fetch(form.getAttribute("action"), { method: "POST", body: data, credentials: "same-origin" });
        if (mine !== generation) return;
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
});
