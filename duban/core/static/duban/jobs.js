// 后台任务页面：每秒读取一次任务状态，更新进度条；任务结束后刷新页面显示结果。
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) return;
  var url = box.getAttribute("data-state-url");
  var bar = document.getElementById("job-bar");
  var text = document.getElementById("job-text");
  var hint = document.getElementById("job-hint");
  var status = document.getElementById("job-status");
  var failures = 0;

  function show(state) {
    if (status) status.textContent = state.status_label;
    if (bar) {
      if (state.percent === null) bar.removeAttribute("value");
      else bar.value = state.percent;
    }
    if (text) {
      var words;
      if (state.status === "queued")
        words = "排队等待后台处理…" + (state.total ? "（共 " + state.total + "）" : "");
      else if (state.total) words = state.done + " / " + state.total + "（" + state.percent + "%）";
      else if (state.done) words = "已处理 " + state.done;
      else words = "正在处理…";
      text.textContent = words + (state.message ? " " + state.message : "");
    }
    if (hint) {
      hint.textContent = state.hint;
      hint.hidden = !state.hint;
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (state) {
        failures = 0;
        show(state);
        if (state.finished) window.location.reload();
        else window.setTimeout(poll, 1000);
      })
      .catch(function () {
        failures += 1;
        window.setTimeout(poll, Math.min(30000, 1000 * Math.pow(2, failures)));
      });
  }
  window.setTimeout(poll, 1000);
})();
