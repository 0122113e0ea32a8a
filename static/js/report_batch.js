// Polls a report batch's status endpoint: done / total, progress bar, what is running.
// Reloads the page once when the batch finishes, or when a new failure appears, so the
// server-rendered list of failures (with its "Try again" buttons) is shown.
(function () {
  const box = document.getElementById("batch-status");
  if (!box || box.dataset.finished === "true") return;
  const done = document.getElementById("batch-done");
  const bar = document.getElementById("batch-progress");
  const percent = document.getElementById("batch-percent");
  const detail = document.getElementById("batch-detail");
  const announce = document.getElementById("batch-announce");
  const failedBefore = Number(box.dataset.failed || 0);
  const number = new Intl.NumberFormat("en-US");
  let delay = 2000;
  let announcedTenth = -1;

  async function poll() {
    try {
      const response = await fetch(box.dataset.statusUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(response.statusText);
      const batch = await response.json();
      if (batch.finished || batch.failed > failedBefore) {
        window.location.reload();
        return;
      }
      done.textContent = number.format(batch.done);
      bar.value = batch.percent;
      percent.textContent = `${batch.percent}%`;
      detail.textContent = `${batch.running} being prepared, ${batch.queued} waiting.`;
      const tenth = Math.floor(batch.percent / 10);
      if (tenth !== announcedTenth) {
        announcedTenth = tenth;
        announce.textContent = `${number.format(batch.done)} of ${number.format(batch.total)} reports ready.`;
      }
      delay = 2000;
    } catch (err) {
      delay = Math.min(delay * 2, 30000);
    }
    setTimeout(poll, delay);
  }
  setTimeout(poll, delay);
})();
