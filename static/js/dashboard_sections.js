// The state dashboard's sections are a USWDS accordion, closed at first. A link to a
// section (a key figure, an address with #levers, the browser's back button) opens it
// and brings its heading into view, so an in-page link never lands on hidden content.
(function () {
  function openSection(id) {
    if (!id) return;
    var content = document.getElementById(id);
    if (!content || !content.classList.contains("usa-accordion__content")) return;
    var button = document.querySelector('.usa-accordion__button[aria-controls="' + id + '"]');
    if (!button) return;
    if (button.getAttribute("aria-expanded") !== "true") button.click();
    button.scrollIntoView({ block: "start" });
    button.focus({ preventScroll: true });
  }
  function fromHash() {
    openSection(decodeURIComponent(window.location.hash.slice(1)));
  }
  window.addEventListener("hashchange", fromHash);
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-open-section]");
    if (link && window.location.hash === "#" + link.dataset.openSection) {
      // Same address: no hashchange fires, so open it here.
      openSection(link.dataset.openSection);
    }
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fromHash);
  } else {
    fromHash();
  }
})();
