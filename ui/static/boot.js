// Loads the wasm UI. A failure is shown in words, never as a blank window.
import init from "./portal_ui.js";

init().catch((error) => {
  const main = document.getElementById("main");
  main.innerHTML = "";
  document.querySelector(".boot")?.remove();
  const card = document.createElement("section");
  card.className = "card";
  card.id = "fatal";
  const title = document.createElement("h1");
  title.textContent = "Patient Portal could not start";
  const text = document.createElement("p");
  text.textContent = "Please close the app and open it again. If this keeps happening, reinstall it.";
  const detail = document.createElement("p");
  detail.className = "detail";
  detail.textContent = String(error);
  card.append(title, text, detail);
  main.append(card);
});
