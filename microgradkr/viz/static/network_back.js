/* Inside the network view's gate page (a sandboxed iframe): Esc goes back to the network. */
document.addEventListener("keydown", function (e) {
  if (e.key === "Escape") parent.postMessage("mgk-net-back", "*");
});
