// Polls the job's status endpoint and updates the page until the report is done.
(function () {
  const box = document.getElementById("job-status");
  if (!box || box.dataset.finished === "true") return;
  const text = document.getElementById("job-status-text");
  const bar = document.getElementById("job-progress");
  const download = document.getElementById("job-download");
  const messages = {
    queued: "Queued: it will start when a report worker is available.",
    running: (p) => `Being prepared (${p}%).`,
    done: "Ready.",
  };
  let delay = 1000;
  async function poll() {
    try {
      const response = await fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(response.statusText);
      const job = await response.json();
      bar.value = job.progress;
      if (job.status === "failed") {
        text.textContent = `This report could not be made: ${job.error || "an unexpected error"}`;
        return;
      }
      const message = messages[job.status];
      text.textContent = typeof message === "function" ? message(job.progress) : message;
      if (job.finished) {
        download.hidden = false;
        return;
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
