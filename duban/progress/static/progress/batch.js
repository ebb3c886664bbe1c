/* 批量填报: nothing typed is lost.
 * Every input of an editable row is mirrored into localStorage under
 * "<data-storage-key>:<task>:<field>" (the key holds user and period). On load a stored
 * value that differs from the page's is put back; after a successful save (the page
 * carries data-saved) the copies are dropped. An expired session sends the POST to the
 * login page; after logging in the reporter lands here again and gets the text back. */
(function () {
  "use strict";
  var form = document.getElementById("batch-form");
  if (!form || !window.localStorage) return;
  var prefix = form.dataset.storageKey + ":";

  function keyOf(el) {
    var row = el.closest("[data-task]");
    if (!row || !row.dataset.editable || !el.name || el.type === "file") return null;
    var field = el.name.indexOf("-") >= 0 ? el.name.slice(el.name.indexOf("-") + 1) : el.name;
    return prefix + row.dataset.task + ":" + field;
  }

  function fields() {
    return form.querySelectorAll("[data-editable] textarea, [data-editable] input, [data-editable] select");
  }

  if (form.dataset.saved) {
    Object.keys(localStorage)
      .filter(function (k) { return k.indexOf(prefix) === 0; })
      .forEach(function (k) { localStorage.removeItem(k); });
    if (window.history.replaceState) {
      var url = new URL(window.location.href);
      url.searchParams.delete("saved");
      window.history.replaceState(null, "", url.toString());
    }
  } else {
    var restored = false;
    fields().forEach(function (el) {
      var key = keyOf(el);
      if (!key) return;
      var stored = localStorage.getItem(key);
      if (stored !== null && stored !== el.value) {
        el.value = stored;
        el.classList.add("restored-field");
        restored = true;
      }
    });
    var note = document.getElementById("restored-note");
    if (restored && note) note.hidden = false;
  }

  function remember(event) {
    var key = keyOf(event.target);
    if (key) localStorage.setItem(key, event.target.value);
  }
  form.addEventListener("input", remember);
  form.addEventListener("change", remember);
})();
