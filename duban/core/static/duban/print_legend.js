// 灯色说明打印时自动展开 (docs/operations.md, 打印)
window.addEventListener("beforeprint", function () {
  document.querySelectorAll("details.legend").forEach(function (d) { d.open = true; });
});
