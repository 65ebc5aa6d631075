// The hall kiosk: tiles of life events and themes, then the matters of a tile, then the answer;
// a typed question works at any time. After `data-idle-warn` seconds without a touch it warns
// with a countdown, after `data-idle-reset` it starts afresh: new session, screen and storage
// cleared, so the next citizen sees nothing of the last.
(function () {
  "use strict";
  var el = window.DaobanChat.el;
  var body = document.body;
  var idleWarn = Number(body.getAttribute("data-idle-warn")) || 90;
  var idleReset = Number(body.getAttribute("data-idle-reset")) || 120;
  var $ = function (id) { return document.getElementById(id); };
  var current = null; // the last answer about a matter: what 打印 prints (its checklist, if it has one)

  // Focus goes to the new screen's heading (or the conversation), not lost with the old screen.
  function show(id) {
    ["kiosk-tiles", "kiosk-matters", "kiosk-chat"].forEach(function (screen) { $(screen).hidden = screen !== id; });
    window.scrollTo(0, 0);
    var target = id === "kiosk-chat" ? $("kiosk-log") : $(id).querySelector("h2");
    if (target) target.focus({ preventScroll: true });
  }

  var speaking = false;
  var canSpeak = "speechSynthesis" in window && typeof window.SpeechSynthesisUtterance === "function";
  function speak(text) {
    if (!speaking || !canSpeak) return;
    window.speechSynthesis.cancel();
    var utterance = new window.SpeechSynthesisUtterance(text);
    utterance.lang = "zh-CN";
    window.speechSynthesis.speak(utterance);
  }

  var chat = new window.DaobanChat({
    botUrl: location.origin, log: $("kiosk-log"), storage: window.sessionStorage, key: "daoban-kiosk", showLinks: false,
    onState: function (state) { $("kiosk-status").textContent = window.DaobanChat.stateText[state] || ""; },
    onEntry: function (entry) {
      var shown = $("kiosk-log").lastElementChild;
      if (shown) shown.scrollIntoView({ block: "start" }); // the new answer from its top
      if (entry.who !== "bot") return;
      var answer = entry.answer;
      if (answer && answer.matter) current = answer;
      $("kiosk-print").hidden = !current;
      speak(answer ? answer.text : entry.text);
    }
  });
  chat.connect();
  if (chat.state.entries.length) show("kiosk-chat");
  var publicUrl = body.getAttribute("data-public-url") || location.origin; // what the QR code holds too

  function ask(message, shown) {
    show("kiosk-chat");
    chat.send(message, shown);
  }

  Array.prototype.forEach.call(document.querySelectorAll(".kiosk-tile"), function (tile) {
    tile.addEventListener("click", function () {
      var facet = tile.getAttribute("data-facet"), value = tile.getAttribute("data-value");
      fetch("/kiosk/matters?" + new URLSearchParams({ facet: facet, value: value }))
        .then(function (response) { return response.json(); })
        .then(function (found) {
          $("kiosk-matters-title").textContent = value;
          var list = document.querySelector(".kiosk-matter-list");
          while (list.firstChild) list.removeChild(list.firstChild);
          found.matters.forEach(function (matter) {
            var button = el("button", "kiosk-matter", matter.name);
            button.type = "button";
            button.addEventListener("click", function () {
              ask("/inform_matter" + JSON.stringify({ matter: matter.code }), matter.name);
            });
            list.appendChild(button);
          });
          show("kiosk-matters");
        })
        .catch(function () { $("kiosk-status").textContent = "暂时打不开，请稍后再试，或直接输入问题。"; });
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-back]"), function (button) {
    button.addEventListener("click", function () { show(button.getAttribute("data-back")); });
  });
  $("kiosk-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = $("kiosk-input");
    ask(input.value);
    input.value = "";
  });

  // 打印: the checklist of the last answer with the QR code of its guide page.
  $("kiosk-print").addEventListener("click", function () {
    if (!current) return;
    var out = $("kiosk-printout");
    while (out.firstChild) out.removeChild(out.firstChild);
    var lines = current.text.split("\n");
    out.appendChild(el("h1", null, lines[0]));
    if (current.checklist.length) {
      var list = el("ol");
      current.checklist.forEach(function (item) { list.appendChild(el("li", null, item)); });
      out.appendChild(list);
    } else {
      lines.slice(1).forEach(function (line) { if (line.trim()) out.appendChild(el("p", null, line)); });
    }
    var qr = el("img");
    qr.alt = "办事指南二维码";
    var url = "/guide/" + encodeURIComponent(current.matter);
    out.appendChild(qr);
    out.appendChild(el("p", null, "扫码查看完整办事指南：" + publicUrl + url));
    qr.onload = qr.onerror = function () { window.print(); }; // printed with or without its QR code
    qr.src = url + "/qr.svg";
  });

  if (canSpeak) {
    var toggle = $("kiosk-speak");
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      speaking = !speaking;
      toggle.setAttribute("aria-pressed", speaking ? "true" : "false");
      if (!speaking) window.speechSynthesis.cancel();
    });
  }

  // Idle reset: in place (a reload could land on an error page while the network is down).
  var lastTouch = Date.now();
  function touched() {
    lastTouch = Date.now();
    $("kiosk-idle").hidden = true;
  }
  function reset() {
    chat.close();
    chat.clear();
    try { window.sessionStorage.clear(); } catch (e) { /* nothing kept */ }
    if (canSpeak) window.speechSynthesis.cancel();
    current = null;
    $("kiosk-print").hidden = true;
    $("kiosk-input").value = "";
    var out = $("kiosk-printout");
    while (out.firstChild) out.removeChild(out.firstChild);
    touched();
    show("kiosk-tiles");
    chat.connect(); // a new session: the next citizen starts afresh
  }
  ["pointerdown", "keydown", "touchstart", "input", "wheel", "scroll"].forEach(function (name) {
    document.addEventListener(name, touched, { capture: true, passive: true });
  });
  $("kiosk-continue").addEventListener("click", touched);
  $("kiosk-restart").addEventListener("click", reset);
  function inUse() {  // something the next citizen should not see
    return chat.state.entries.length > 0 || $("kiosk-tiles").hidden || $("kiosk-input").value !== "";
  }
  setInterval(function () {
    if (!inUse() || (canSpeak && window.speechSynthesis.speaking)) return touched(); // listening is using it
    var idle = (Date.now() - lastTouch) / 1000;
    if (idle >= idleReset) reset();
    else if (idle >= idleWarn) {
      $("kiosk-countdown").textContent = String(Math.ceil(idleReset - idle));
      if ($("kiosk-idle").hidden) {
        $("kiosk-idle").hidden = false;
        $("kiosk-continue").focus();
      }
    }
  }, 500);
})();
