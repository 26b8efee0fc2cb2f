// Loads the wasm UI. A failure is shown in words, never as a blank window. These few
// words come before the catalogue (which is in the wasm), in the webview's language.
import init from "./portal_ui.js";

const WORDS = {
  en: {
    opening: "Opening Patient Portal…",
    failed: "Patient Portal could not start",
    next: "Please close the app and open it again. If this keeps happening, reinstall it.",
  },
  es: {
    opening: "Abriendo Patient Portal…",
    failed: "Patient Portal no pudo iniciarse",
    next: "Cierre la aplicación y vuelva a abrirla. Si sigue ocurriendo, reinstálela.",
  },
};
const language = (navigator.languages || [navigator.language || "en"])
  .map((tag) => String(tag).split(/[-_]/)[0].toLowerCase())
  .find((primary) => primary in WORDS) || "en";
const words = WORDS[language];
document.documentElement.lang = language;
const boot = document.querySelector(".boot");
if (boot) boot.textContent = words.opening;

init().catch((error) => {
  const main = document.getElementById("main");
  main.innerHTML = "";
  document.querySelector(".boot")?.remove();
  const card = document.createElement("section");
  card.className = "card";
  card.id = "fatal";
  const title = document.createElement("h1");
  title.textContent = words.failed;
  const text = document.createElement("p");
  text.textContent = words.next;
  const detail = document.createElement("p");
  detail.className = "detail";
  detail.textContent = String(error);
  card.append(title, text, detail);
  main.append(card);
});
