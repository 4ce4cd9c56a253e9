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
});
