// The preview page: search, the part index, and the light/dark switch. No network, no library.
(() => {
  const root = document.documentElement;
  const search = document.getElementById("pv-search");
  const count = document.getElementById("pv-count");
  const empty = document.getElementById("pv-empty");
  const index = document.getElementById("pv-index");
  const mode = document.getElementById("pv-mode");
  const cards = Array.from(document.querySelectorAll(".pv-card"));
  const parts = Array.from(document.querySelectorAll(".pv-part"));
  const total = cards.length;

  const wide = matchMedia("(min-width: 960px)");
  const phone = matchMedia("(max-width: 600px)");
  index.open = wide.matches;
  wide.addEventListener("change", () => { index.open = wide.matches; });
  phone.addEventListener("change", () => root.classList.toggle("mobile", phone.matches));

  const showMode = () => {
    const dark = root.classList.contains("nightMode");
    mode.textContent = dark ? "Light" : "Dark";
    mode.setAttribute("aria-pressed", String(dark));
  };
  mode.addEventListener("click", () => {
    const dark = !root.classList.contains("nightMode");
    root.classList.toggle("nightMode", dark);
    root.classList.toggle("night_mode", dark);
    showMode();
  });
  showMode();

  const filter = () => {
    const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const card of cards) {
      const text = card.dataset.search;
      const match = words.every((word) => text.includes(word));
      card.hidden = !match;
      shown += match ? 1 : 0;
    }
    for (const part of parts) {
      const visible = part.querySelectorAll(".pv-card:not([hidden])").length;
      part.hidden = visible === 0;
      const badge = index.querySelector(`[data-part="${part.id}"]`);
      badge.textContent = String(visible);
      badge.closest("li").classList.toggle("pv-none", visible === 0);
    }
    count.textContent = words.length ? `${shown} of ${total} cards match` : `${total} cards`;
    empty.hidden = shown !== 0;
  };
  search.addEventListener("input", filter);
  if (search.value) filter();
})();
