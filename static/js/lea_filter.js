// The participation page: a search box that hides the LEAs of the list not matching it.
// Without JavaScript the box stays hidden and the whole list shows. Hidden LEAs keep
// their ticks, so filtering never changes what is saved.
(function () {
  "use strict";
  var box = document.querySelector(".cbe-lea-filter");
  var input = document.getElementById("lea-filter");
  var status = document.getElementById("lea-filter-status");
  if (!box || !input) return;
  var items = Array.prototype.slice.call(document.querySelectorAll(".cbe-lea-choices .usa-checkbox"));
  var texts = items.map(function (item) { return item.textContent.toLowerCase(); });
  box.hidden = false;
  var timer = null;
  function apply() {
    var query = input.value.trim().toLowerCase();
    var shown = 0;
    items.forEach(function (item, i) {
      var match = !query || texts[i].indexOf(query) !== -1;
      item.hidden = !match;
      if (match) shown += 1;
    });
    var ticked = document.querySelectorAll(".cbe-lea-choices input:checked").length;
    status.textContent = query
      ? shown + " of " + items.length + " LEAs shown; " + ticked + " ticked in all."
      : ticked + " of " + items.length + " LEAs ticked.";
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(apply, 150);
  });
  document.querySelector(".cbe-lea-choices").addEventListener("change", apply);
  apply();
})();
