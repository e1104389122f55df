// The case form: the category list shows the chosen kind's categories only (the server checks it too),
// the complaint's level (一般 / 复杂) shows for kind 投诉 only (disabled, it is not sent; the server
// ignores another kind's).
(function () {
  "use strict";
  var kind = document.getElementById("kind");
  var cat = document.getElementById("category");
  var level = document.getElementById("complaint_kind"), levelBox = document.getElementById("complaint-kind-box");
  if (!kind || !cat) { return; }
  function sync() {
    if (level && levelBox) {
      levelBox.hidden = kind.value !== "complaint";
      level.disabled = kind.value !== "complaint";
    }
    var groups = cat.getElementsByTagName("optgroup");
    for (var i = 0; i < groups.length; i++) {
      var opts = groups[i].getElementsByTagName("option");
      var mine = opts.length > 0 && opts[0].dataset.kind === kind.value;
      groups[i].hidden = !mine;
      groups[i].disabled = !mine;
    }
    var sel = cat.options[cat.selectedIndex];
    if (sel && sel.dataset.kind && sel.dataset.kind !== kind.value) { cat.value = ""; }
  }
  kind.addEventListener("change", sync);
  sync();
})();
