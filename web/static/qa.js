// The score sheet's live score (R-QA) while the inspector ticks: a preview of
// hotline.qa_sheet.Sheet.score, which computes the score the grade is saved with — the sum of the
// weights of the items met, 0 when a veto item is missed. A met item's remark box is hidden; a
// deducted item without a remark stops the form before it is sent (the server refuses it too:
// web/quality.py Typed.unexplained), naming the items.
(function () {
  "use strict";
  var sheet = document.getElementById("qa-sheet");
  var out = document.getElementById("qa-score");
  if (!sheet || !out) { return; }
  var boxes = sheet.querySelectorAll("input[type=checkbox][data-weight]");
  function remarkOf(box) { return document.getElementById("remark_" + box.id.slice("item_".length)); }
  function update() {
    var score = 0, vetoed = false;
    boxes.forEach(function (box) {
      if (box.checked) { score += parseInt(box.dataset.weight, 10) || 0; }
      else if (box.dataset.veto) { vetoed = true; }
      var remark = remarkOf(box);
      if (remark) { remark.hidden = box.checked; }
    });
    out.textContent = vetoed ? 0 : score;
  }
  boxes.forEach(function (box) { box.addEventListener("change", update); });
  update();
  var form = document.getElementById("qa-form"), note = document.getElementById("qa-unexplained");
  if (!form || !note) { return; }
  form.addEventListener("submit", function (ev) {
    var missing = [];
    boxes.forEach(function (box) {
      var remark = remarkOf(box), empty = !box.checked && remark && !remark.value.trim();
      if (remark) { remark.classList.toggle("bad", !!empty); remark.setAttribute("aria-invalid", empty ? "true" : "false"); }
      if (empty) { missing.push(remark); }
    });
    note.hidden = !missing.length;
    if (!missing.length) { return; }
    ev.preventDefault();
    var sep = document.documentElement.lang === "en" ? "; " : "；";  // as the server says it
    note.textContent = note.dataset.template.replace("{items}", missing.map(function (r) { return r.dataset.item; }).join(sep));
    missing[0].focus();
  });
})();
