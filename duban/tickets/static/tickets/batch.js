// 批量分单 / 批量审单: "全选本页" ticks every request of the page at once (without a
// script each is ticked by hand; the form works the same).
(function () {
  var all = document.getElementById("batch-all");
  var form = document.getElementById("batch-form");
  if (!all || !form) return;
  var boxes = document.querySelectorAll('input[name="ticket"][form="batch-form"]');
  all.parentNode.hidden = false;
  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
  });
})();
