// The LEA list's "tick every LEA on this page" box and a count of ticked rows. Without
// JavaScript the box stays hidden; each row can still be ticked on its own.
(function () {
  "use strict";
  var all = document.getElementById("pick-all");
  var boxes = Array.prototype.slice.call(document.querySelectorAll(".cbe-pick__box"));
  var count = document.querySelector(".cbe-pick-count");
  if (!all || !boxes.length) return;
  all.closest(".cbe-select-all").hidden = false;
  function update() {
    var ticked = boxes.filter(function (box) { return box.checked; }).length;
    all.checked = ticked === boxes.length;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
    if (count) count.textContent = ticked + " of " + boxes.length + " LEAs on this page ticked.";
  }
  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
    update();
  });
  boxes.forEach(function (box) { box.addEventListener("change", update); });
  update();
})();
