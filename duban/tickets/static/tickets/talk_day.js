// 说事日: five more empty items at a time, as many as the sitting needs. Each comes from the
// formset's empty form (the <template>), numbered after the last; TOTAL_FORMS follows.
(function () {
  var button = document.getElementById("add-items");
  var template = document.getElementById("item-template");
  var total = document.getElementById("id_items-TOTAL_FORMS");
  var body = document.querySelector(".talk-items tbody");
  if (!button || !template || !total || !body) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    var first = parseInt(total.value, 10);
    for (var n = first; n < first + 5; n++) {
      var row = template.innerHTML
        .replace(/__prefix__/g, String(n))
        .replace(/__number__/g, String(n + 1));
      body.insertAdjacentHTML("beforeend", row);
    }
    total.value = String(first + 5);
    var next = body.querySelector('textarea[name="items-' + first + '-content"]');
    if (next) next.focus();
  });
})();
