// The conversation core shared by the chat widget and the hall kiosk: the socket.io connection
// to Rasa's channel (connectors/socketio.py), the session kept across reloads, messages queued
// while the connection is down, and the rendering of the bot's answers (custom.data.answer,
// docs/channels.md). Everything from the bot or the citizen goes into the page as text, never as
// HTML: only createElement and textContent are used.
(function () {
  "use strict";

  var MAX_ENTRIES = 200; // kept in storage; older ones are dropped
  var MAX_CHARS = 500; // the edge refuses longer messages anyway

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function webAddress(url) {
    return typeof url === "string" && /^https?:\/\//i.test(url);
  }

  function DaobanChat(options) {
    this.botUrl = options.botUrl.replace(/\/+$/, "");
    this.log = options.log; // the element the conversation is shown in (an ARIA live region)
    this.onState = options.onState || function () {};
    this.onEntry = options.onEntry || function () {};
    this.focusAfterTap = options.focusAfterTap || null; // where focus goes after a button is used
    this.showLinks = options.showLinks !== false; // the kiosk shows none: a citizen must not leave it
    this.storage = options.storage; // localStorage (widget) or sessionStorage (kiosk)
    this.key = options.key || "daoban:" + this.botUrl;
    this.state = this._load();
    this.ready = false;
    this.inflight = []; // sent, not yet answered: sent again if the connection drops first
    this.render();
  }

  DaobanChat.prototype._load = function () {
    try {
      var saved = JSON.parse(this.storage.getItem(this.key) || "null");
      if (saved && Array.isArray(saved.entries) && Array.isArray(saved.pending)) return saved;
    } catch (e) { /* unreadable: start afresh */ }
    return { session: null, entries: [], pending: [] };
  };

  DaobanChat.prototype._save = function () {
    this.state.entries = this.state.entries.slice(-MAX_ENTRIES);
    try { this.storage.setItem(this.key, JSON.stringify(this.state)); } catch (e) { /* storage full or off */ }
  };

  DaobanChat.prototype.connect = function () {
    var chat = this;
    var socket = window.io(this.botUrl, { path: "/socket.io", transports: ["websocket", "polling"] });
    this.socket = socket;
    this._setState("connecting");
    socket.on("connect", function () {
      socket.emit("session_request", { session_id: chat.state.session });
    });
    socket.on("session_confirm", function (sessionId) {
      chat.state.session = typeof sessionId === "string" ? sessionId : null;
      chat.ready = true;
      chat._setState("ready");
      // What was not answered before the connection dropped, then what was typed while it was down.
      var again = chat.inflight.concat(chat.state.pending);
      chat.inflight = [];
      chat.state.pending = [];
      chat._save();
      again.forEach(function (message) { chat._emit(message); });
    });
    socket.on("bot_uttered", function (data) { chat.receive(data); });
    socket.on("disconnect", function () {
      chat.ready = false;
      chat._setState(chat.closing ? "closed" : "reconnecting");
    });
    socket.on("connect_error", function () { chat._setState("reconnecting"); });
  };

  DaobanChat.prototype.close = function () {
    this.closing = true;
    if (this.socket) this.socket.disconnect();
  };

  DaobanChat.prototype._setState = function (state) {
    this.connection = state;
    this.onState(state);
  };

  DaobanChat.prototype._emit = function (message) {
    this.inflight.push(message);
    this.socket.emit("user_uttered", { message: message, session_id: this.state.session });
  };

  // The citizen says `message` (typed text or a button's payload); `shown` is what their bubble
  // says (a button's title; "****" for the phone digits).
  DaobanChat.prototype.send = function (message, shown) {
    message = String(message || "").trim().slice(0, MAX_CHARS);
    if (!message) return;
    var last = this.state.entries[this.state.entries.length - 1];
    if (!shown && last && last.ask === "phone_last4") shown = "****"; // not kept on screen or in storage
    this._add({ who: "user", text: shown || message });
    if (this.ready) this._emit(message);
    else this.state.pending.push(message);
    this._save();
  };

  DaobanChat.prototype.receive = function (data) {
    if (!data || typeof data !== "object") return;
    this.inflight = [];
    var last = this.state.entries[this.state.entries.length - 1];
    if (data.answer || data.ask) {
      // The custom data of the bot message whose text came just before: one entry for both.
      if (last && last.who === "bot" && !last.answer && !last.ask) {
        if (data.answer) last.answer = data.answer;
        if (data.ask) last.ask = data.ask;
        this._save();
        var index = this.state.entries.length - 1;
        var shown = this.log.querySelector('[data-index="' + index + '"]');
        if (shown) this.log.replaceChild(this._entryNode(last, index), shown);
        this.onEntry(last);
        return;
      }
      if (!data.answer) return;
      this._add({ who: "bot", text: data.answer.text, buttons: [], answer: data.answer });
    } else if (typeof data.text === "string") {
      var buttons = (data.quick_replies || data.buttons || []).map(function (b) {
        return { title: String(b.title || ""), payload: String(b.payload || "") };
      });
      this._add({ who: "bot", text: data.text, buttons: buttons });
    } else {
      return;
    }
    this._save();
  };

  DaobanChat.prototype._add = function (entry) {
    this.state.entries.push(entry);
    this.log.appendChild(this._entryNode(entry, this.state.entries.length - 1));
    this.onEntry(entry);
  };

  DaobanChat.prototype.clear = function () {
    this.state = { session: null, entries: [], pending: [] };
    this.inflight = [];
    try { this.storage.removeItem(this.key); } catch (e) { /* nothing kept */ }
    this.render();
  };

  DaobanChat.prototype.render = function () {
    while (this.log.firstChild) this.log.removeChild(this.log.firstChild);
    var chat = this;
    this.state.entries.forEach(function (entry, index) { chat.log.appendChild(chat._entryNode(entry, index)); });
  };

  DaobanChat.prototype._entryNode = function (entry, index) {
    var node = el("div", "daoban-msg daoban-" + (entry.who === "user" ? "user" : "bot"));
    node.setAttribute("data-index", String(index));
    if (entry.who === "user") {
      node.appendChild(el("span", "daoban-sr", "我说："));
      node.appendChild(el("p", null, entry.text));
      return node;
    }
    node.appendChild(el("span", "daoban-sr", "导办助手："));
    var answer = entry.answer;
    var text = answer ? answer.text : entry.text;
    this._textInto(node, text, answer && answer.checklist && answer.checklist.length ? answer.checklist : null);
    if (this.showLinks && answer && answer.checklist && answer.checklist.length && answer.matter) {
      var print = el("a", "daoban-print", "打印清单");
      print.href = this.botUrl + "/guide/" + encodeURIComponent(answer.matter) + "?print=1";
      print.target = "_blank";
      print.rel = "noopener";
      node.appendChild(print);
    }
    var links = answer && this.showLinks ? answer.links : [];
    if (links && links.length) {
      var list = el("ul", "daoban-links");
      links.forEach(function (link) {
        var item = el("li");
        if (webAddress(link.url)) {
          var a = el("a", null, link.title);
          a.href = link.url;
          a.target = "_blank";
          a.rel = "noopener noreferrer";
          item.appendChild(a);
        } else {
          item.textContent = link.title + "：" + link.url;
        }
        list.appendChild(item);
      });
      node.appendChild(list);
    }
    this._buttonsInto(node, entry);
    if (entry.ask) this._askInto(node, entry.ask);
    return node;
  };

  // The text line by line; the numbered lines of a checklist become one list.
  DaobanChat.prototype._textInto = function (node, text, checklist) {
    var listed = false;
    String(text || "").split("\n").forEach(function (line) {
      if (checklist && /^\d+\.\s/.test(line)) {
        if (!listed) {
          var list = el("ol", "daoban-checklist");
          list.setAttribute("aria-label", "清单");
          checklist.forEach(function (item) { list.appendChild(el("li", null, item)); });
          node.appendChild(list);
          listed = true;
        }
        return;
      }
      if (line.trim()) node.appendChild(el("p", null, line));
    });
  };

  DaobanChat.prototype._buttonsInto = function (node, entry) {
    var chat = this;
    var payloads = entry.buttons || [];
    var described = entry.answer ? entry.answer.buttons : null;
    var buttons = described
      ? described.map(function (b, i) { return { title: b.title, action: b.action, payload: (payloads[i] || {}).payload }; })
      : payloads.map(function (b) { return { title: b.title, action: null, payload: b.payload }; });
    buttons = buttons.filter(function (b) { return b.title && b.payload; });
    if (!buttons.length) return;
    var choosing = entry.answer && (entry.answer.kind === "choose" || entry.answer.kind === "list");
    var options = el("div", choosing ? "daoban-choices" : "daoban-replies");
    options.setAttribute("role", "group");
    options.setAttribute("aria-label", choosing ? "请选择事项" : "您还可以问");
    var rating = el("div", "daoban-rating");
    rating.setAttribute("role", "group");
    rating.setAttribute("aria-label", "这个回答有帮助吗？");
    rating.appendChild(el("span", null, "这个回答有帮助吗？"));
    buttons.forEach(function (b) {
      var button = el("button", "daoban-button" + (b.action === "rate" ? " daoban-rate" : ""), b.title);
      button.type = "button";
      button.addEventListener("click", function () {
        chat.send(b.payload, b.title);
        if (chat.focusAfterTap) chat.focusAfterTap.focus();
      });
      (b.action === "rate" ? rating : options).appendChild(button);
    });
    if (options.childNodes.length) node.appendChild(options);
    if (rating.childNodes.length > 1) node.appendChild(rating);
  };

  // A field for what the status form asks (custom.data.ask in domain.yml).
  DaobanChat.prototype._askInto = function (node, ask) {
    var chat = this;
    var fields = {
      receipt_number: { label: "受理编号", placeholder: "如 SL2026110100001", mode: "text", max: 30, secret: false },
      phone_last4: { label: "手机号码后4位", placeholder: "4位数字", mode: "numeric", max: 4, secret: true }
    };
    var field = fields[ask];
    if (!field) return;
    var form = el("form", "daoban-ask");
    var id = "daoban-ask-" + Math.random().toString(36).slice(2);
    var label = el("label", null, field.label);
    label.htmlFor = id;
    var input = el("input");
    input.id = id;
    input.inputMode = field.mode;
    input.maxLength = field.max;
    input.placeholder = field.placeholder;
    input.autocomplete = "off";
    var submit = el("button", "daoban-button", "提交");
    submit.type = "submit";
    form.appendChild(label);
    form.appendChild(input);
    form.appendChild(submit);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!input.value.trim()) return;
      chat.send(input.value, field.secret ? "****" : input.value.trim());
      input.value = "";
      if (chat.focusAfterTap) chat.focusAfterTap.focus();
    });
    node.appendChild(form);
  };

  window.DaobanChat = DaobanChat;
  window.DaobanChat.el = el;
})();
