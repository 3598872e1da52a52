
// The notebook widget (anywidget): redraw when Python sends a frame, at most once a frame.
function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "mgk-watch";
  el.append(root);
  let queued = false;
  const draw = () => {
    queued = false;
    const frame = model.get("frame");
    const status = model.get("status");  // before the first frame: what to call
    if (!frame || frame.step === undefined) {
      root.textContent = status;
      return;
    }
    const curve = model.get("curve");
    mgkWatchDraw(root, model.get("setup"), frame, curve.losses, curve.summaries, curve.stride);
  };
  const later = () => {
    if (!queued) { queued = true; requestAnimationFrame(draw); }
  };
  draw();
  model.on("change:frame", later);
  model.on("change:curve", later);
  model.on("change:status", later);
}
export default { render };
