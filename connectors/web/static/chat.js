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

  var HELD_RETRIES = 8; // a dropped socket keeps its session on the server up to 20 s: ask again
  var HELD_RETRY_MS = 4000;
  var RETRY_MS = [2000, 5000, 10000, 30000]; // after a refused connection (busy): growing pauses

  function DaobanChat(options) {
    this.botUrl = options.botUrl.replace(/\/+$/, "");
    this.io = options.io || window.io; // the socket.io client (the widget brings its own)
    this.log = options.log; // the element the conversation is shown in (an ARIA live region)
    this.onState = options.onState || function () {};
    this.onEntry = options.onEntry || function () {};
    this.focusAfterTap = options.focusAfterTap || null; // where focus goes after a button is used
    this.showLinks = options.showLinks !== false; // the kiosk shows none: a citizen must not leave it
    this.storage = options.storage; // sessionStorage: kept across reloads, gone with the tab
    this.key = options.key || "daoban:" + this.botUrl;
    this.state = this._load();
    this.ready = false;
    this.inflight = null; // the message sent and not yet answered: sent again if the connection drops first
    this.render();
  }

  DaobanChat.prototype._load = function () {
    try {
      var saved = JSON.parse(this.storage.getItem(this.key) || "null");
      if (saved && Array.isArray(saved.entries) && Array.isArray(saved.pending)) {
        saved.pending = saved.pending.filter(function (m) { return m && typeof m.text === "string"; });
        return saved;
      }
    } catch (e) { /* unreadable: start afresh */ }
    return { session: null, entries: [], pending: [] };
  };

  DaobanChat.prototype._save = function () {
    this.state.entries = this.state.entries.slice(-MAX_ENTRIES);
    var kept = {
      session: this.state.session, entries: this.state.entries,
      pending: this.state.pending.filter(function (message) { return !message.secret; })
    };
    try { this.storage.setItem(this.key, JSON.stringify(kept)); } catch (e) { /* storage full or off */ }
  };

  DaobanChat.prototype.connect = function () {
    var chat = this;
    var socket = this.io(this.botUrl, { path: "/socket.io", transports: ["websocket", "polling"] });
    var held = 0, refused = 0;
    this.socket = socket;
    this.closing = false;
    this._setState("connecting");
    socket.on("connect", function () {
      held = 0;
      socket.emit("session_request", { session_id: chat.state.session });
    });
    socket.on("session_confirm", function (sessionId) {
      var given = typeof sessionId === "string" ? sessionId : null;
      var before = chat.state.session;
      if (before && given !== before && held < HELD_RETRIES) {
        // Our session is still held by the socket that dropped: ask again once the server lets it go.
        held += 1;
        setTimeout(function () { if (socket.connected) socket.emit("session_request", { session_id: before }); },
                   HELD_RETRY_MS);
        return;
      }
      refused = 0;
      chat.state.session = given;
      chat.ready = true;
      if (before && given !== before) chat._notice("网络中断的时间较长，对话已重新开始。请再说一下您要办的事。");
      chat._setState("ready");
      // What was not answered before the connection dropped goes first, then what was typed meanwhile.
      if (chat.inflight) chat.state.pending.unshift(chat.inflight);
      chat.inflight = null;
      chat._flush();
    });
    socket.on("bot_uttered", function (data) { chat.receive(data); });
    socket.on("disconnect", function (reason) {
      chat.ready = false;
      if (chat.closing) return chat._setState("closed");
      chat._setState("reconnecting");
      if (reason === "io server disconnect") chat._retry(refused++); // the server closed it: not retried by itself
    });
    socket.on("connect_error", function () {
      chat._setState("reconnecting");
      if (!socket.active) chat._retry(refused++); // refused (busy): the client gives up unless asked again
    });
  };

  DaobanChat.prototype._retry = function (attempt) {
    var socket = this.socket, chat = this;
    setTimeout(function () { if (!chat.closing && socket === chat.socket && !socket.connected) socket.connect(); },
               RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]);
  };

  DaobanChat.prototype.close = function () {
    this.closing = true;
    this.ready = false;
    if (this.socket) this.socket.disconnect();
    this.socket = null;
  };

  DaobanChat.prototype._setState = function (state) {
    this.connection = state;
    this.onState(state);
  };

  // One message at a time: the next goes once the last is answered, so a dropped connection
  // loses none and none is answered twice.
  DaobanChat.prototype._flush = function () {
    if (!this.ready || this.inflight || !this.state.pending.length) return this._save();
    this.inflight = this.state.pending.shift();
    this._save();
    this.socket.emit("user_uttered", { message: this.inflight.text, session_id: this.state.session });
  };

  // The citizen says `message` (typed text or a button's payload); `shown` is what their bubble
  // says (a button's title; "****" for the phone digits, which are never stored).
  DaobanChat.prototype.send = function (message, shown) {
    message = String(message || "").trim().slice(0, MAX_CHARS);
    if (!message) return;
    var last = this.state.entries[this.state.entries.length - 1];
    var secret = shown === "****" || (last && last.ask === "phone_last4");
    this._add({ who: "user", text: secret ? "****" : shown || message });
    this.state.pending.push(secret ? { text: message, secret: true } : { text: message });
    this._flush();
  };

  DaobanChat.prototype._notice = function (text) {
    this._add({ who: "bot", text: text, buttons: [] });
  };

  // A bot message: its text, buttons (quick_replies) and custom data (answer, ask) come whole
  // (connectors/socketio.py WholeMessageOutput).
  DaobanChat.prototype.receive = function (data) {
    if (!data || typeof data !== "object") return;
    var text = data.answer && typeof data.answer.text === "string" ? data.answer.text : data.text;
    if (typeof text !== "string" || !text) return;
    var buttons = (data.quick_replies || data.buttons || []).map(function (b) {
      return { title: String(b.title || ""), payload: String(b.payload || "") };
    });
    var entry = { who: "bot", text: text, buttons: buttons };
    if (data.answer && typeof data.answer === "object") entry.answer = data.answer;
    if (typeof data.ask === "string") entry.ask = data.ask;
    this._add(entry);
    this.inflight = null;
    this._flush();
  };

  DaobanChat.prototype._add = function (entry) {
    this.state.entries.push(entry);
    this.log.appendChild(this._entryNode(entry, this.state.entries.length - 1));
    this.onEntry(entry);
  };

  DaobanChat.prototype.clear = function () {
    this.state = { session: null, entries: [], pending: [] };
    this.inflight = null;
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
      receipt_number: { label: "受理编号", placeholder: "如 SL2026×××××××××", mode: "text", max: 30, secret: false },
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

  // What the status line says in each state of the connection.
  DaobanChat.stateText = {
    connecting: "正在连接…", ready: "", closed: "",
    reconnecting: "网络断开，正在重新连接…您的消息会在连上后发出。"
  };

  window.DaobanChat = DaobanChat;
  window.DaobanChat.el = el;
})();
