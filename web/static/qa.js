// The score sheet's live score (R-QA) while the inspector ticks: a preview of
// hotline.qa_sheet.Sheet.score, which computes the score the grade is saved with — the sum of the
// weights of the items met, 0 when a veto item is missed. A met item's remark box is hidden.
(function () {
  "use strict";
  var sheet = document.getElementById("qa-sheet");
  var out = document.getElementById("qa-score");
  if (!sheet || !out) { return; }
  var boxes = sheet.querySelectorAll("input[type=checkbox][data-weight]");
  function update() {
    var score = 0, vetoed = false;
    boxes.forEach(function (box) {
      if (box.checked) { score += parseInt(box.dataset.weight, 10) || 0; }
      else if (box.dataset.veto) { vetoed = true; }
      var remark = document.getElementById("remark_" + box.id.slice("item_".length));
      if (remark) { remark.hidden = box.checked; }
    });
    out.textContent = vetoed ? 0 : score;
  }
  boxes.forEach(function (box) { box.addEventListener("change", update); });
  update();
})();
