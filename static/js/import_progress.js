// Polls an import job's status endpoint, moves the progress bar, and reloads the page
// when the job has finished (the page then shows what was imported, or why not).
// Without JavaScript the page reloads itself (a <noscript> refresh) instead.
(function () {
  const box = document.getElementById("import-status");
  if (!box) return;
  const text = document.getElementById("import-status-text");
  const bar = document.getElementById("import-progress");
  const count = document.getElementById("import-count");
  let status = box.dataset.status;
  let delay = 1000;

  async function poll() {
    try {
      const response = await fetch(box.dataset.statusUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(response.statusText);
      const job = await response.json();
      if (job.finished) {
        window.location.reload();
        return;
      }
      if (job.total > 0) {
        bar.max = job.total;
        bar.value = job.done;
        bar.textContent = `${job.percent}%`;
      }
      count.textContent = job.count;
      if (job.status !== status || text.textContent.trim() !== job.message) {
        status = job.status;
        text.textContent = job.message;
      }
      delay = 1000;
    } catch (err) {
      text.textContent = "Lost contact with the server; trying again…";
      delay = Math.min(delay * 2, 15000);
    }
    setTimeout(poll, delay);
  }
  setTimeout(poll, delay);
})();
