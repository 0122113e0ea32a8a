// One poller for every background job's page (an import, a report, a batch of reports).
// The server writes every word; the page says where each value of the status JSON goes:
//   data-poll-url="…"       the status endpoint (on the element that starts polling)
//   data-poll-every="ms"    how often to ask (default 1000)
//   data-poll-page="…"      the JSON's `page` when the page was drawn: when the JSON says
//                           otherwise, the server-drawn parts are out of date, so reload
//   data-poll-text="key"    text of the element; with data-poll-on="key2" only when key2
//                           changed (data-poll-seen holds its last value), so a live
//                           region is read out on real news, not on every poll
//   data-poll-value="key"   value of a <progress>; data-poll-max="key" its max (if > 0)
//   data-poll-show="key"    shown when the key is truthy, hidden otherwise
//   data-poll-class="key"   the class named by key replaces data-poll-class-now
//   data-poll-lost          says so here when the server cannot be reached
// Polling stops when the JSON says `finished`. Without JavaScript each page still works:
// it refreshes itself or offers a reload link.
(function () {
  const box = document.querySelector("[data-poll-url]");
  if (!box) return;
  const every = Number(box.dataset.pollEvery || 1000);
  const LOST = "Lost contact with the server; trying again…";
  let delay = every;

  function all(name) {
    return document.querySelectorAll(`[data-poll-${name}]`);
  }

  function apply(job) {
    all("text").forEach((el) => {
      const value = job[el.dataset.pollText];
      if (value === undefined || value === null) return;
      const on = el.dataset.pollOn;
      if (on) {
        const seen = String(job[on]);
        if (el.dataset.pollSeen === seen) return;
        el.dataset.pollSeen = seen;
      }
      if (el.textContent.trim() !== String(value)) el.textContent = value;
    });
    all("value").forEach((bar) => {
      const max = bar.dataset.pollMax ? Number(job[bar.dataset.pollMax]) : Number(bar.max);
      if (!(max > 0)) return;
      bar.max = max;
      bar.value = Number(job[bar.dataset.pollValue]);
    });
    all("show").forEach((el) => {
      el.hidden = !job[el.dataset.pollShow];
    });
    all("class").forEach((el) => {
      const name = job[el.dataset.pollClass];
      if (!name || name === el.dataset.pollClassNow) return;
      if (el.dataset.pollClassNow) el.classList.remove(el.dataset.pollClassNow);
      el.classList.add(name);
      el.dataset.pollClassNow = name;
    });
  }

  async function poll() {
    try {
      const response = await fetch(box.dataset.pollUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(response.statusText);
      const job = await response.json();
      if (box.dataset.pollPage !== undefined && job.page !== box.dataset.pollPage) {
        window.location.reload();
        return;
      }
      apply(job);
      if (job.finished) return;
      delay = every;
    } catch (err) {
      all("lost").forEach((el) => {
        el.textContent = LOST;
        delete el.dataset.pollSeen; // say the news again once the server answers
      });
      delay = Math.min(delay * 2, 15000);
    }
    setTimeout(poll, delay);
  }
  setTimeout(poll, delay);
})();
