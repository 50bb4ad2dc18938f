// The playground page (index.html): loads the engine, then opens the
// scenario in the URL fragment, or a preset when there is none.
import "./styles.css";
import "./page.css";
import { loadEngine, errorText } from "./engine";
import { Playground, type Theme } from "./app";
import { DEFAULT_PRESET } from "./presets";

function storedTheme(): Theme {
  try {
    const t = localStorage.getItem("mapi-logoff-theme");
    if (t === "light" || t === "dark" || t === "auto") return t;
  } catch {
    /* storage may be unavailable */
  }
  return "auto";
}

function pageUrl(): string {
  const url = new URL(location.href);
  url.hash = "";
  url.searchParams.delete("embed");
  url.searchParams.delete("theme");
  return url.href.replace(/#$/, "");
}

async function main(): Promise<void> {
  const mount = document.getElementById("app");
  if (!mount) return;
  const params = new URLSearchParams(location.search);
  const embed = params.has("embed");
  const compact = params.get("embed") === "compact";
  const themeParam = params.get("theme");
  const theme: Theme = themeParam === "light" || themeParam === "dark" ? themeParam : embed ? "auto" : storedTheme();
  if (embed) document.documentElement.classList.add("embed-page");
  try {
    await loadEngine();
  } catch (e) {
    const p = document.createElement("p");
    p.className = "boot-error";
    p.setAttribute("role", "alert");
    p.textContent = `The engine could not be loaded: ${errorText(e)}. Reload the page to try again.`;
    mount.replaceChildren(p);
    return;
  }
  mount.replaceChildren();
  const pg = new Playground(mount, { embed, compact, element: false, theme, pageUrl: pageUrl() });
  if (location.hash.length > 1) {
    await pg.openFragment(location.hash);
  } else {
    // The landing: the default preset at its start, named, with its first experiment suggested.
    if (!pg.loadPreset(DEFAULT_PRESET, false, 0)) pg.loadEmpty();
  }
  pg.resetUndo();
  window.addEventListener("hashchange", () => {
    if (location.hash.length > 1 && !pg.isOwnFragment(location.hash)) void pg.openFragment(location.hash);
  });
  document.documentElement.dataset.ready = "1";
  performance.mark("mapi-logoff-interactive");
}

void main();
