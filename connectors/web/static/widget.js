// The chat widget: one tag puts a chat bubble on any page of the government's site.
//   <script src="https://BOT/web/static/widget.js" data-bot-url="https://BOT" defer></script>
// It loads its style, the socket.io client and the chat core from the bot (nothing from a CDN)
// and keeps the conversation in sessionStorage: a reload keeps it, closing the tab forgets it (a
// shared computer shows the next person nothing). docs/web.md explains it.
(function () {
  "use strict";
  if (window.daobanWidgetLoading) return; // the tag twice on one page: one widget
  window.daobanWidgetLoading = true;

  var script = document.currentScript;
  var botUrl = ((script && script.getAttribute("data-bot-url")) || (script ? new URL(script.src).origin : location.origin))
    .replace(/\/+$/, "");
  var prefsKey = "daoban-widget:" + botUrl;

  function add(tag, attributes, onload) {
    var node = document.createElement(tag);
    Object.keys(attributes).forEach(function (name) { node[name] = attributes[name]; });
    if (onload) node.onload = onload;
    document.head.appendChild(node);
  }

  function prefs() {
    try { return JSON.parse(localStorage.getItem(prefsKey) || "{}") || {}; } catch (e) { return {}; }
  }

  function savePrefs(changes) {
    var saved = prefs();
    Object.keys(changes).forEach(function (name) { saved[name] = changes[name]; });
    try { localStorage.setItem(prefsKey, JSON.stringify(saved)); } catch (e) { /* not kept */ }
  }

  function build() {
    var el = window.DaobanChat.el;
    var root = el("div", "daoban-root");
    var bubble = el("button", "daoban-bubble", "办事咨询");
    bubble.type = "button";
    bubble.setAttribute("aria-expanded", "false");
    bubble.setAttribute("aria-controls", "daoban-panel");

    var panel = el("section", "daoban-panel");
    panel.id = "daoban-panel";
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", "政务服务导办助手");
    panel.hidden = true;

    var header = el("header", "daoban-header");
    header.appendChild(el("h2", null, "政务服务导办助手"));
    var large = el("button", "daoban-tool", "大字");
    large.type = "button";
    large.setAttribute("aria-pressed", "false");
    large.title = "大字号、高对比度（适老化）";
    var clear = el("button", "daoban-tool", "清空");
    clear.type = "button";
    clear.title = "清空对话";
    var close = el("button", "daoban-tool daoban-close", "×");
    close.type = "button";
    close.setAttribute("aria-label", "关闭");
    [large, clear, close].forEach(function (b) { header.appendChild(b); });

    var status = el("p", "daoban-status");
    status.setAttribute("role", "status");
    var hint = el("p", "daoban-hint", "您好！我可以告诉您办事要带什么材料、去哪里办、多久办好，也能查办件进度。例如：老年证要带什么材料");
    var log = el("div", "daoban-log");
    log.setAttribute("role", "log");
    log.setAttribute("aria-live", "polite");
    log.setAttribute("aria-label", "对话记录");
    log.tabIndex = 0;

    var form = el("form", "daoban-form");
    var label = el("label", "daoban-sr", "输入您的问题");
    label.htmlFor = "daoban-input";
    var input = el("input", "daoban-input");
    input.id = "daoban-input";
    input.type = "text";
    input.maxLength = 500;
    input.placeholder = "请输入您想办的事";
    input.autocomplete = "off";
    var send = el("button", "daoban-send", "发送");
    send.type = "submit";
    [label, input, send].forEach(function (node) { form.appendChild(node); });

    [header, status, hint, log, form].forEach(function (node) { panel.appendChild(node); });
    root.appendChild(panel);
    root.appendChild(bubble);

    var chat = new window.DaobanChat({
      botUrl: botUrl, io: ownIo, log: log, storage: window.sessionStorage, focusAfterTap: input,
      onState: function (state) {
        status.textContent = window.DaobanChat.stateText[state] || "";
        root.setAttribute("data-connection", state);
      },
      onEntry: function () {
        hint.hidden = true;
        log.scrollTop = log.scrollHeight;
      }
    });
    hint.hidden = chat.state.entries.length > 0;
    document.body.appendChild(root); // after the saved conversation is drawn: not read out again

    function setLarge(on) {
      root.classList.toggle("daoban-large", on);
      large.setAttribute("aria-pressed", on ? "true" : "false");
    }

    function open() {
      panel.hidden = false;
      bubble.setAttribute("aria-expanded", "true");
      root.classList.add("daoban-open");
      if (!chat.socket) chat.connect();
      savePrefs({ open: true });
      log.scrollTop = log.scrollHeight;
      input.focus();
    }

    function shut() {
      panel.hidden = true;
      bubble.setAttribute("aria-expanded", "false");
      root.classList.remove("daoban-open");
      savePrefs({ open: false });
      bubble.focus();
    }

    bubble.addEventListener("click", function () { if (panel.hidden) open(); else shut(); });
    close.addEventListener("click", shut);
    panel.addEventListener("keydown", function (event) { if (event.key === "Escape") shut(); });
    large.addEventListener("click", function () {
      var on = !root.classList.contains("daoban-large");
      setLarge(on);
      savePrefs({ large: on });
    });
    clear.addEventListener("click", function () {
      chat.clear();
      hint.hidden = false;
      if (chat.socket) { chat.close(); chat.connect(); } // a new session: the server forgets nothing, but this page does
      input.focus();
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      chat.send(input.value);
      input.value = "";
    });

    var saved = prefs();
    setLarge(!!saved.large);
    if (saved.open) open();
    window.daobanWidget = { chat: chat, open: open, close: shut };
  }

  // Our own socket.io client, whatever the host page has: an older one cannot talk to the bot,
  // and the host's `window.io` is put back as it was.
  var ownIo = null;
  function start() {
    add("link", { rel: "stylesheet", href: botUrl + "/web/static/widget.css" });
    var hostIo = window.io, hadIo = "io" in window;
    add("script", { src: botUrl + "/web/static/vendor/socket.io.min.js" }, function () {
      ownIo = window.io;
      if (hadIo) window.io = hostIo;
      else delete window.io;
      if (window.DaobanChat) build();
      else add("script", { src: botUrl + "/web/static/chat.js" }, build);
    });
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
