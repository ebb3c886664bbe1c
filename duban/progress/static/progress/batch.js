/* 批量填报: nothing typed is lost, and each task shows what the system will judge.
 *
 * 1. Every input of an editable card is mirrored into localStorage under
 *    "<data-storage-key>:<task>:<field>" (the key holds user and period). On load a stored
 *    value that really differs from the page's is put back ("1" and "1.00" are one number,
 *    line endings and trailing spaces do not count), and only then is the note shown.
 *    After a successful save (the page carries data-saved) the copies are dropped. An
 *    expired session sends the POST to the login page; after logging in the reporter
 *    lands here again and gets the text back.
 * 2. When 自评状态 or 完成值 change, the card asks the server for the engine's proposal
 *    for those values (nothing is written) and shows its light, status and reasons; a
 *    lagging proposal marks 滞后原因 and 原因类别 as required.
 * 3. "引用到进展情况" copies last month's 下步措施 into an empty 进展情况, on request only.
 */
(function () {
  "use strict";
  var form = document.getElementById("batch-form");
  if (!form) return;
  var storage = null;
  try { storage = window.localStorage; } catch (e) { storage = null; }
  var prefix = form.dataset.storageKey + ":";

  function fieldName(el) {
    return el.name.indexOf("-") >= 0 ? el.name.slice(el.name.indexOf("-") + 1) : el.name;
  }

  function keyOf(el) {
    var row = el.closest("[data-task]");
    if (!row || !row.dataset.editable || !el.name || el.type === "file") return null;
    return prefix + row.dataset.task + ":" + fieldName(el);
  }

  function normal(el, value) {
    var text = String(value == null ? "" : value).replace(/\r\n?/g, "\n").replace(/\s+$/, "");
    if (el.type === "number" || fieldName(el) === "completed_value") {
      var trimmed = text.trim();
      if (trimmed !== "" && !isNaN(Number(trimmed))) return String(Number(trimmed));
      return trimmed;
    }
    return text;
  }

  function fields() {
    return form.querySelectorAll("[data-editable] textarea, [data-editable] input, [data-editable] select");
  }

  var restoredRows = [];
  if (storage) {
    if (form.dataset.saved) {
      Object.keys(storage)
        .filter(function (k) { return k.indexOf(prefix) === 0; })
        .forEach(function (k) { storage.removeItem(k); });
      if (window.history.replaceState) {
        var url = new URL(window.location.href);
        url.searchParams.delete("saved");
        window.history.replaceState(null, "", url.toString());
      }
    } else {
      fields().forEach(function (el) {
        var key = keyOf(el);
        if (!key) return;
        var stored = storage.getItem(key);
        if (stored === null) return;
        if (normal(el, stored) === normal(el, el.value)) {
          storage.removeItem(key); // nothing to give back: forget it
          return;
        }
        el.value = stored;
        el.classList.add("restored-field");
        var row = el.closest("[data-task]");
        if (restoredRows.indexOf(row) < 0) restoredRows.push(row);
      });
      var note = document.getElementById("restored-note");
      if (restoredRows.length && note) note.hidden = false;
    }
  }

  function remember(event) {
    var key = storage && keyOf(event.target);
    if (key) storage.setItem(key, event.target.value);
  }
  form.addEventListener("input", remember);
  form.addEventListener("change", remember);

  /* ----- the engine's proposal, live ----- */
  var SHORT = { green: "绿", blue: "蓝", yellow: "黄", red: "红" };

  function element(tag, className, text) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text) el.textContent = text;
    return el;
  }

  function show(card, data) {
    var box = card.querySelector("[data-role=proposal]");
    if (!box) return;
    box.textContent = "";
    if (data.error) {
      box.appendChild(element("span", "muted small", data.error));
      return;
    }
    box.appendChild(element("span", "proposal-label", "系统研判"));
    var light = element("span", "light light-" + data.light);
    light.title = data.light_label;
    light.appendChild(element("i", "dot"));
    light.appendChild(document.createTextNode(SHORT[data.light] || ""));
    box.appendChild(light);
    box.appendChild(element("span", "status status-" + data.status, data.status_label));
    if (data.reasons && data.reasons.length) {
      box.appendChild(element("span", "proposal-why", data.reasons.join("；")));
    }
    var status = card.querySelector("select[name$='-self_status']");
    var lagging = data.needs_reason || (status && status.value === "lagging");
    card.classList.toggle("needs-reason", !!lagging);
  }

  var timers = {};
  function refresh(card) {
    var url = form.dataset.proposeUrl;
    if (!url || !window.fetch) return;
    var status = card.querySelector("select[name$='-self_status']");
    var value = card.querySelector("input[name$='-completed_value']");
    var query = new URLSearchParams({
      task: card.dataset.task,
      period: form.dataset.period,
      self_status: status ? status.value : "",
      completed_value: value ? value.value.trim() : "",
    });
    fetch(url + "?" + query.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("application/json") < 0) return null; // e.g. the login page
        return response.json();
      })
      .then(function (data) { if (data) show(card, data); })
      .catch(function () { /* the sheet works without the live proposal */ });
  }

  function schedule(event) {
    var el = event.target;
    if (!el.name || !/-(self_status|completed_value)$/.test(el.name)) return;
    var card = el.closest(".task-card[data-editable]");
    if (!card) return;
    clearTimeout(timers[card.dataset.task]);
    timers[card.dataset.task] = setTimeout(function () { refresh(card); }, 350);
  }
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  restoredRows.forEach(function (card) { if (card.classList.contains("task-card")) refresh(card); });

  /* ----- last month's 下步措施 as this month's starting point ----- */
  form.addEventListener("click", function (event) {
    var button = event.target.closest("[data-role=use-last]");
    if (!button) return;
    var card = button.closest(".task-card");
    var steps = card.querySelector("[data-role=last-steps]");
    var progress = card.querySelector("textarea[name$='-progress']");
    if (!steps || !progress) return;
    var text = "上月计划：" + steps.textContent.trim() + "\n本月进展：";
    progress.value = progress.value.trim() ? progress.value + "\n" + text : text;
    progress.dispatchEvent(new Event("input", { bubbles: true }));
    progress.focus();
  });
})();
