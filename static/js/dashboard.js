// Dashboard tables: sort in place when a header link is clicked, instead of reloading.
// Only tables marked data-client-sort (those holding every row) are sorted here; the
// links still work without this script (the server sorts through ?sort=). The address,
// the header links, aria-sort and the CSV link are kept as the server would write them.
(function () {
  const status = document.getElementById("dashboard-sort-status");

  function compare(a, b, numeric) {
    // Empty values (no score) go last in either direction, as on the server.
    if (a === "" || b === "") return a === "" ? (b === "" ? 0 : 1) : -1;
    if (numeric) return Number(a) - Number(b);
    return a.localeCompare(b, undefined, { sensitivity: "base" });
  }

  function sortSpec(href) {
    return new URL(href, window.location.href).searchParams.get("sort") || "";
  }

  function sortTable(table, th, descending) {
    const headers = Array.from(table.tHead.rows[0].cells);
    const index = headers.indexOf(th);
    const numeric = index === 0 || th.dataset.sortType === "number";
    const body = table.tBodies[0];
    const rows = Array.from(body.rows);
    const value = (row) => row.cells[index].dataset.sortValue || "";
    const filled = rows.filter((row) => value(row) !== "");
    const empty = rows.filter((row) => value(row) === "");
    filled.sort((a, b) => compare(value(a), value(b), numeric) * (descending ? -1 : 1));
    filled.concat(empty).forEach((row) => body.appendChild(row));

    const key = table.dataset.clientSort;
    headers.forEach((cell) => {
      const link = cell.querySelector("a.cbe-sort-link");
      const hint = cell.querySelector(".cbe-sort-hint");
      const mark = cell.querySelector(".cbe-sort-mark");
      const current = cell === th;
      if (mark) mark.remove();
      cell.removeAttribute("aria-sort");
      // USWDS shades the sorted header; its link is then drawn in ink for contrast.
      link.classList.toggle("text-ink", current);
      const column = cell.dataset.column;
      let next = cell.dataset.sortType === "number" && headers.indexOf(cell) > 0;
      if (current) {
        cell.setAttribute("aria-sort", descending ? "descending" : "ascending");
        const span = document.createElement("span");
        span.className = "cbe-sort-mark";
        span.setAttribute("aria-hidden", "true");
        span.textContent = descending ? " ▼" : " ▲";
        link.after(span);
        next = !descending;
      }
      const url = new URL(link.href, window.location.href);
      url.searchParams.set("sort", `${key}.${next ? "-" : ""}${column}`);
      link.href = url.toString();
      if (hint) hint.textContent = `, sort ${next ? "descending" : "ascending"}`;
    });

    const spec = `${key}.${descending ? "-" : ""}${th.dataset.column}`;
    const page = new URL(window.location.href);
    page.searchParams.set("sort", spec);
    window.history.replaceState(null, "", page.toString());
    const exportLink = document.querySelector(`a[data-export-for="${key}"]`);
    if (exportLink) {
      const url = new URL(exportLink.href, window.location.href);
      url.searchParams.set("sort", spec);
      exportLink.href = url.toString();
    }
    if (status) {
      const label = th.querySelector("a.cbe-sort-link").firstChild.textContent.trim();
      status.textContent = `${table.caption.textContent.trim()}: sorted by ${label}, ${descending ? "descending" : "ascending"}.`;
    }
  }

  document.querySelectorAll("table[data-client-sort]").forEach((table) => {
    table.tHead.addEventListener("click", (event) => {
      const link = event.target.closest("a.cbe-sort-link");
      if (!link || event.metaKey || event.ctrlKey || event.shiftKey) return;
      event.preventDefault();
      const spec = sortSpec(link.href);
      sortTable(table, link.closest("th"), spec.split(".")[1].startsWith("-"));
    });
  });
})();
