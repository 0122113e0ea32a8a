// Polls a report job's status endpoint and updates the page until the report is done
// or has failed. The server writes every message, so the page and this script agree.
(function () {
  const box = document.getElementById("job-status");
  if (!box || box.dataset.finished === "true") return;
  const text = document.getElementById("job-status-text");
  const alert = document.getElementById("job-alert");
  const bar = document.getElementById("job-progress");
  const percent = document.getElementById("job-progress-text");
  const download = document.getElementById("job-download");
  let delay = 1000;
  let lastMessage = text.textContent.trim();

  function show(job) {
    bar.value = job.progress;
    percent.textContent = `${job.progress}%`;
    // Only touch the live region when the words change, so screen readers are not
    // interrupted by every percent.
    if (job.status !== "running" || lastMessage.indexOf("Being prepared") !== 0) {
      if (job.message !== lastMessage) {
        text.textContent = job.message;
        lastMessage = job.message;
      }
    }
    alert.classList.remove("usa-alert--info", "usa-alert--success", "usa-alert--error");
    alert.classList.add(
      job.status === "failed" ? "usa-alert--error" : job.status === "done" ? "usa-alert--success" : "usa-alert--info"
    );
  }

  async function poll() {
    try {
      const response = await fetch(box.dataset.statusUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(response.statusText);
      const job = await response.json();
      show(job);
      if (job.finished) {
        if (job.status === "done") {
          download.hidden = false;
        } else {
          // Reload once so the server-rendered "Try again" form appears.
          window.location.reload();
        }
        return;
      }
      delay = job.status === "queued" ? 3000 : 1000;
    } catch (err) {
      text.textContent = "Lost contact with the server; trying again…";
      lastMessage = text.textContent;
      delay = Math.min(delay * 2, 15000);
    }
    setTimeout(poll, delay);
  }
  setTimeout(poll, delay);
})();
