// Autosave for the needs assessment page (templates/assessments/assessment_domain.html).
//
// Each indicator saves on its own: a radio change at once, typing in the evidence note
// after a pause of 800 ms (and when the note loses focus). A save names the version of
// the answer it started from; the server refuses a stale one (409) and sends the other
// person's answer, shown next to ours so the user chooses. A failed save keeps the
// answer on the page and retries with growing delays, and at once when the browser
// comes back online. Without this script the form's "Save this domain" button does the
// same job with a normal POST.
//
// Why this stays a small script rather than htmx (django-htmx is installed): an htmx
// hx-post on change could send the answer and swap the status line, but everything
// around that would still be hand-written here: the retries with growing delays and
// on "online", the conflict choice that rewrites the radios and note, "Save this
// domain" waiting for every indicator before moving on, the warning on leaving with
// unsaved answers, and the progress counts in the side navigation. htmx would add a
// second response format to the autosave endpoint (whose JSON the tests and the API
// rely on) and ~50 KB of vendored code without removing those parts.
(function () {
  "use strict";

  const form = document.getElementById("answers-form");
  if (!form || !window.fetch || !window.URLSearchParams) return;

  const DEBOUNCE_MS = 800;
  const RETRY_DELAYS_MS = [2000, 4000, 8000, 16000, 30000];
  const csrfInput = form.querySelector("input[name=csrfmiddlewaretoken]");
  const csrfToken = csrfInput ? csrfInput.value : "";
  const evidenceMax = Number(form.dataset.evidenceMax) || 4000;
  const globalStatus = document.getElementById("save-status");
  const template = document.getElementById("conflict-template");
  const savers = [];
  let lastSavedAt = null;
  let lastGlobalText = "";

  // Times are shown in the agency's time zone, like every time the server prints.
  const timeZone = form.dataset.timeZone || undefined;
  function clockTime(date) {
    try {
      return date.toLocaleTimeString([], { hour: "numeric", minute: "2-digit", timeZone });
    } catch (err) {
      return date.toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
    }
  }

  function setGlobal(text) {
    // Only touch the live region when the message changes, so screen readers are not
    // told the same thing after every save.
    if (!globalStatus || text === lastGlobalText) return;
    lastGlobalText = text;
    globalStatus.textContent = text;
  }

  function refreshGlobal() {
    const conflicts = savers.filter((s) => s.conflict).length;
    const failed = savers.filter((s) => s.state === "error").length;
    const busy = savers.some((s) => s.state === "saving" || s.state === "pending");
    globalStatus.classList.toggle("saved-status--error", conflicts + failed > 0);
    globalStatus.classList.toggle("saved-status--saved", !busy && conflicts + failed === 0 && !!lastSavedAt);
    if (conflicts) {
      setGlobal(
        `${conflicts} answer${conflicts === 1 ? " was" : "s were"} changed by someone else: ` +
          "compare the two versions and choose which to keep."
      );
    } else if (failed) {
      setGlobal(
        `${failed} answer${failed === 1 ? " is" : "s are"} not saved yet. ` +
          "They are still on this page; see the message under each."
      );
    } else if (!busy && lastSavedAt) {
      setGlobal(`All changes saved at ${clockTime(lastSavedAt)}.`);
    }
  }

  function updateProgress(data) {
    if (typeof data.answered === "number") {
      document.querySelectorAll("[data-overall-count]").forEach((el) => {
        el.textContent = String(data.answered);
      });
    }
    Object.entries(data.domains || {}).forEach(([code, count]) => {
      document.querySelectorAll(`[data-domain-progress="${CSS.escape(code)}"] [data-count]`).forEach((el) => {
        el.textContent = String(count);
      });
    });
    const current = document.querySelector(".usa-sidenav a.usa-current[href]");
    const own = current && current.querySelector("[data-domain-progress] [data-count]");
    document.querySelectorAll("[data-domain-count]").forEach((el) => {
      if (own) el.textContent = own.textContent;
    });
  }

  class IndicatorSaver {
    constructor(box) {
      this.box = box;
      this.code = box.dataset.indicator;
      this.url = box.dataset.saveUrl;
      this.version = box.querySelector("[data-role=version]");
      this.status = box.querySelector("[data-role=status]");
      this.conflictSlot = box.querySelector("[data-role=conflict]");
      this.textarea = box.querySelector("textarea");
      this.nav = document.querySelector(`[data-indicator-nav="${CSS.escape(this.code)}"]`);
      this.state = "idle"; // idle | pending | saving | saved | error
      this.timer = null;
      this.retryTimer = null;
      this.retries = 0;
      this.inFlight = null;
      this.conflict = null;
      this.saved = this.values();
      box.addEventListener("change", (event) => {
        if (event.target.type === "radio") this.changed(0);
      });
      this.textarea.addEventListener("input", () => this.changed(DEBOUNCE_MS));
      this.textarea.addEventListener("blur", () => {
        if (this.timer) this.changed(0);
      });
    }

    values() {
      const checked = this.box.querySelector("input[type=radio]:checked");
      return { choice: checked ? checked.value : "", evidence: this.textarea.value };
    }

    isDirty() {
      const now = this.values();
      return now.choice !== this.saved.choice || now.evidence !== this.saved.evidence;
    }

    setStatus(state, text) {
      this.state = state;
      this.status.textContent = text;
      this.status.className = "cbe-indicator__status saved-status" + (state === "error" ? " saved-status--error" : state === "saved" ? " saved-status--saved" : "");
      this.box.classList.toggle("cbe-indicator--error", state === "error");
      refreshGlobal();
    }

    changed(delay) {
      if (this.conflict) {
        this.fillMine();
        return;
      }
      clearTimeout(this.timer);
      clearTimeout(this.retryTimer);
      if (!this.isDirty()) {
        this.timer = null;
        return;
      }
      if (this.state !== "saving") this.setStatus("pending", "Changes not saved yet…");
      this.timer = setTimeout(() => {
        this.timer = null;
        this.save();
      }, delay);
    }

    // Save now (unless nothing changed); resolves when this indicator is settled.
    save() {
      if (this.inFlight) {
        // Wait for the request under way; send again after it if still changed.
        return this.inFlight.then(() => (this.isDirty() && !this.conflict ? this.save() : undefined));
      }
      clearTimeout(this.timer);
      clearTimeout(this.retryTimer);
      this.timer = null;
      if (this.conflict || !this.isDirty()) return Promise.resolve();
      const values = this.values();
      if (values.evidence.length > evidenceMax) {
        this.setStatus(
          "error",
          `Not saved: the note is ${values.evidence.length.toLocaleString()} characters long and ` +
            `the limit is ${evidenceMax.toLocaleString()}. Shorten it and it will save.`
        );
        return Promise.resolve();
      }
      this.setStatus("saving", "Saving…");
      const body = new URLSearchParams({
        choice: values.choice,
        evidence: values.evidence,
        version: this.version.value,
      });
      this.inFlight = fetch(this.url, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken, Accept: "application/json" },
      })
        .then((response) =>
          response
            .json()
            .catch(() => null)
            .then((data) => this.handle(response, data, values))
        )
        .catch(() => this.retryLater(true))
        .finally(() => {
          this.inFlight = null;
        });
      return this.inFlight;
    }

    handle(response, data, sent) {
      if (response.ok && data && data.ok) {
        this.version.value = String(data.version);
        this.saved = sent;
        this.retries = 0;
        lastSavedAt = new Date();
        this.markAnswered(sent.choice !== "");
        updateProgress(data);
        if (this.isDirty()) {
          this.setStatus("pending", "Changes not saved yet…");
          this.timer = setTimeout(() => this.save(), 0);
        } else {
          this.setStatus("saved", `Saved at ${clockTime(lastSavedAt)}`);
        }
        return;
      }
      if (response.status === 409 && data && data.code === "answer_conflict") {
        this.showConflict(data);
        return;
      }
      if (response.status >= 500 || response.status === 429 || response.status === 408) {
        this.retryLater(false);
        return;
      }
      // Refused for good (locked, not allowed, invalid, signed out): say why and keep
      // the answer on the page; "Save this domain" tries again.
      const message =
        (data && data.message) ||
        "Your session may have ended. Reload the page in another tab and sign in again; this answer stays here.";
      this.setStatus("error", `Not saved: ${message}`);
    }

    retryLater(offline) {
      const delay = RETRY_DELAYS_MS[Math.min(this.retries, RETRY_DELAYS_MS.length - 1)];
      this.retries += 1;
      const why =
        offline || navigator.onLine === false
          ? "the connection to the server was lost."
          : "the server could not save it just now.";
      this.setStatus(
        "error",
        `Not saved: ${why} Your answer is still on this page; trying again in ${Math.round(delay / 1000)} seconds.`
      );
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.save(), delay);
    }

    retryNow() {
      if (this.state === "error" && !this.conflict) {
        this.retries = 0;
        this.save();
      }
    }

    markAnswered(answered) {
      if (!this.nav) return;
      this.nav.classList.toggle("is-answered", answered);
      const text = this.nav.querySelector("[data-answered-text]");
      if (text) text.textContent = answered ? " (answered)" : " (not answered)";
    }

    labelOf(choice) {
      if (!choice) return "No answer";
      const input = this.box.querySelector(`input[type=radio][value="${CSS.escape(choice)}"]`);
      const label = input && this.box.querySelector(`label[for="${CSS.escape(input.id)}"]`);
      return label && label.firstChild ? label.firstChild.textContent.trim() : choice;
    }

    fillNote(el, text) {
      el.textContent = text || "No evidence note";
      el.classList.toggle("cbe-conflict__empty", !text);
    }

    fillMine() {
      const panel = this.conflictSlot.firstElementChild;
      if (!panel) return;
      const mine = this.values();
      panel.querySelector("[data-slot=my-rating]").textContent = this.labelOf(mine.choice);
      this.fillNote(panel.querySelector("[data-slot=my-note]"), mine.evidence);
    }

    showConflict(data) {
      const theirs = data.theirs;
      this.conflict = theirs;
      const panel = template.content.firstElementChild.cloneNode(true);
      const headingId = `${this.box.id}-conflict-heading`;
      panel.setAttribute("aria-labelledby", headingId);
      panel.querySelector("[data-slot=heading]").id = headingId;
      panel.querySelector("[data-slot=message]").textContent = data.message;
      panel.querySelector("[data-slot=who]").textContent = theirs.by ? `(${theirs.by}, ${theirs.at_display})` : "";
      panel.querySelector("[data-slot=their-rating]").textContent = theirs.label;
      this.fillNote(panel.querySelector("[data-slot=their-note]"), theirs.evidence);
      panel.querySelector("[data-action=keep-theirs]").addEventListener("click", () => this.keepTheirs());
      panel.querySelector("[data-action=use-mine]").addEventListener("click", () => this.useMine());
      this.conflictSlot.replaceChildren(panel);
      this.fillMine();
      this.box.classList.add("cbe-indicator--conflict");
      this.setStatus("error", "Not saved: someone else changed this answer. Choose which one to keep.");
      panel.scrollIntoView({ block: "nearest", behavior: "smooth" });
    }

    closeConflict() {
      this.conflict = null;
      this.conflictSlot.replaceChildren();
      this.box.classList.remove("cbe-indicator--conflict");
    }

    keepTheirs() {
      const theirs = this.conflict;
      this.box.querySelectorAll("input[type=radio]").forEach((input) => {
        input.checked = input.value === theirs.choice;
      });
      this.textarea.value = theirs.evidence;
      this.textarea.dispatchEvent(new Event("input", { bubbles: false })); // USWDS character count
      this.version.value = String(theirs.version);
      this.saved = this.values();
      this.closeConflict();
      this.markAnswered(theirs.choice !== "");
      this.setStatus("saved", `Kept the answer saved by ${theirs.by}.`);
      this.textarea.focus();
      const domainCount = document.querySelectorAll(".cbe-indicator input[type=radio]:checked").length;
      document.querySelectorAll("[data-domain-count]").forEach((el) => {
        el.textContent = String(domainCount);
      });
    }

    useMine() {
      this.version.value = String(this.conflict.version);
      this.closeConflict();
      this.textarea.focus();
      this.save();
    }
  }

  form.querySelectorAll(".cbe-indicator[data-indicator]").forEach((box) => {
    savers.push(new IndicatorSaver(box));
  });
  if (!savers.length) return;
  setGlobal("Answers save as you go.");

  // The save buttons still work with this script: they save whatever is not saved yet
  // (no page reload), then go to the next domain when asked.
  form.addEventListener("submit", (event) => {
    const submitter = event.submitter;
    if (submitter && (submitter.name === "keep_theirs" || submitter.name === "use_mine")) return;
    event.preventDefault();
    const goNext = submitter && submitter.name === "save_next";
    savers.forEach((s) => {
      if (s.state === "error") s.retries = 0;
    });
    Promise.all(savers.map((s) => s.save())).then(() => {
      const problems = savers.filter((s) => s.conflict || s.state === "error" || s.isDirty());
      if (problems.length) {
        refreshGlobal();
        problems[0].box.scrollIntoView({ block: "center" });
        return;
      }
      if (goNext && form.dataset.nextUrl) {
        window.location.assign(form.dataset.nextUrl);
        return;
      }
      lastSavedAt = lastSavedAt || new Date();
      setGlobal(`All answers in this domain are saved (${clockTime(new Date())}).`);
    });
  });

  window.addEventListener("online", () => savers.forEach((s) => s.retryNow()));
  window.addEventListener("beforeunload", (event) => {
    if (savers.some((s) => s.isDirty() || s.inFlight || s.conflict)) {
      savers.forEach((s) => s.save());
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
