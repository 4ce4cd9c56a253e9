// Every page: on a narrow screen the main menu folds behind the "Menu" button (app.css hides it
// while aria-expanded is "false"). Without this script the button stays hidden and the menu shows.
{
  const button = document.querySelector(".menu-button[aria-controls]");
  const menu = button && document.getElementById(button.getAttribute("aria-controls"));
  if (menu) {
    const isOpen = () => button.getAttribute("aria-expanded") === "true";
    const setOpen = (open) => button.setAttribute("aria-expanded", String(open));
    button.hidden = false;
    button.addEventListener("click", () => setOpen(!isOpen()));
    document.addEventListener("keydown", (event) => {
      if (event.key !== "Escape" || !isOpen()) return;
      const focusWasInMenu = menu.contains(document.activeElement) || document.activeElement === button;
      setOpen(false);
      if (focusWasInMenu) button.focus();
    });
  }
}

// "Copy link": copies the field the button names and says so next to it, in the words the page
// gives (data-copied, data-copy-failed: in the page's language). Without this script the field is
// still there to select and copy by hand.
for (const button of document.querySelectorAll("[data-copy]")) {
  const source = document.querySelector(button.dataset.copy);
  if (!source) continue;
  const said = document.createElement("span");
  said.setAttribute("role", "status");
  said.className = "copied";
  button.after(said);
  button.addEventListener("click", async () => {
    source.select();
    try {
      await navigator.clipboard.writeText(source.value);
      said.textContent = ` ${button.dataset.copied || "Copied."}`;
    } catch {
      said.textContent = ` ${button.dataset.copyFailed || "Selected: press Ctrl+C (or Command+C) to copy."}`;
    }
  });
}
