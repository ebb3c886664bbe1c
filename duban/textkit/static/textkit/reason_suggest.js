/* 滞后原因 → 原因类别: while a unit types a 滞后原因 on the batch page, ask the server which
 * category the words suggest and offer it next to the 原因类别 select ("建议：前期手续与审批
 * [采用]"). Nothing is chosen for the unit; an already chosen category is left alone. */
(function () {
  "use strict";
  var form = document.getElementById("batch-form");
  var url = form && form.dataset.reasonSuggestUrl;
  if (!url) return;
  var timers = new WeakMap();

  function hintFor(select) {
    var hint = select.parentNode.querySelector(".reason-suggestion");
    if (!hint) {
      hint = document.createElement("small");
      hint.className = "reason-suggestion muted";
      select.parentNode.appendChild(hint);
    }
    return hint;
  }

  function ask(textarea) {
    var row = textarea.closest("[data-task]");
    var select = row && row.querySelector("select[name$='reason_category']");
    if (!select) return;
    var text = textarea.value.trim();
    var hint = hintFor(select);
    if (text.length < 4) { hint.textContent = ""; return; }
    fetch(url + "?text=" + encodeURIComponent(text), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        hint.textContent = "";
        if (!data || !data.category || String(select.value) === String(data.category)) return;
        hint.appendChild(document.createTextNode("建议：" + data.name + "（" + data.keywords.join("、") + "） "));
        var use = document.createElement("button");
        use.type = "button";
        use.className = "btn btn-small";
        use.textContent = "采用";
        use.addEventListener("click", function () {
          select.value = String(data.category);
          select.dispatchEvent(new Event("change", { bubbles: true }));
          hint.textContent = "";
        });
        hint.appendChild(use);
      })
      .catch(function () { hint.textContent = ""; });
  }

  form.addEventListener("input", function (event) {
    var el = event.target;
    if (!el.name || !/reason$/.test(el.name) || /correction/.test(el.name)) return;
    clearTimeout(timers.get(el));
    timers.set(el, setTimeout(function () { ask(el); }, 400));
  });
})();
