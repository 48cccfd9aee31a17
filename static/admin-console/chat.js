/* Agent chat: each message starts a run of the chosen agent version (POST to the console's
   chat/send/ endpoint, which calls runs.services.create_run with {message, messages}); the
   answer and tool calls stream in from the run's session-authenticated events.json, as in the
   run viewer's live mode (the API's SSE stream takes API keys, not the console session).
   Everything user-supplied is written with textContent. */
(function () {
  "use strict";
  var POLL_MS = 200;
  var MAX_BACKOFF_MS = 5000;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text != null) { node.textContent = String(text); }
    return node;
  }

  function pretty(value) {
    if (typeof value === "string") { return value; }
    try { return JSON.stringify(value, null, 2); } catch (e) { return String(value); }
  }

  function outputText(output) {
    if (output && typeof output === "object" && typeof output.text === "string") { return output.text; }
    return pretty(output);
  }

  function Chat(form) {
    this.form = form;
    this.agents = JSON.parse(document.getElementById("ac-chat-agents").textContent);
    this.sendUrl = form.dataset.sendUrl;
    this.terminalTypes = (form.dataset.terminalTypes || "").split(" ");
    this.agentSelect = document.getElementById("ac-chat-agent");
    this.pinSelect = document.getElementById("ac-chat-pin");
    this.agentLink = document.getElementById("ac-chat-agent-link");
    this.log = document.getElementById("ac-chat-log");
    this.input = document.getElementById("ac-chat-message");
    this.sendButton = document.getElementById("ac-chat-send");
    this.errorBox = document.getElementById("ac-chat-error");
    this.csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    this.history = [];
    this.busy = false;
    this.fillAgents(form.dataset.selected);
    var self = this;
    this.agentSelect.addEventListener("change", function () { self.fillPins(); self.reset(); });
    this.pinSelect.addEventListener("change", function () { self.reset(); });
    document.getElementById("ac-chat-reset").addEventListener("click", function () { self.reset(); });
    form.addEventListener("submit", function (event) { event.preventDefault(); self.send(); });
    this.input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); self.send(); }
    });
  }

  Chat.prototype.agent = function () {
    var id = this.agentSelect.value;
    for (var i = 0; i < this.agents.length; i++) { if (this.agents[i].id === id) { return this.agents[i]; } }
    return null;
  };

  Chat.prototype.fillAgents = function (selected) {
    var projects = {};
    this.agents.forEach(function (a) { projects[a.project] = true; });
    var several = Object.keys(projects).length > 1;
    var self = this;
    this.agents.forEach(function (a) {
      var option = el("option", null, several ? a.name + " (" + a.project + ")" : a.name);
      option.value = a.id;
      if (a.id === selected) { option.selected = true; }
      self.agentSelect.appendChild(option);
    });
    this.fillPins();
  };

  Chat.prototype.fillPins = function () {
    var agent = this.agent();
    this.pinSelect.textContent = "";
    if (!agent) { return; }
    var self = this;
    Object.keys(agent.environments).sort().forEach(function (env) {
      var option = el("option", null, env + " (v" + agent.environments[env] + ")");
      option.value = "env:" + env;
      self.pinSelect.appendChild(option);
    });
    agent.versions.forEach(function (n, i) {
      var option = el("option", null, "v" + n + (i === 0 ? " (latest)" : ""));
      option.value = "v:" + n;
      if (i === 0) { option.selected = true; }
      self.pinSelect.appendChild(option);
    });
    this.agentLink.href = agent.url;
  };

  Chat.prototype.reset = function () {
    if (this.busy) { return; }
    this.history = [];
    this.log.textContent = "";
    this.log.appendChild(el("p", "ac-muted ac-chat-empty", "No messages yet."));
    this.showError("");
  };

  Chat.prototype.showError = function (text) {
    this.errorBox.textContent = text;
    this.errorBox.hidden = !text;
  };

  Chat.prototype.setBusy = function (busy) {
    this.busy = busy;
    this.sendButton.disabled = busy;
    this.agentSelect.disabled = busy;
    this.pinSelect.disabled = busy;
  };

  Chat.prototype.bubble = function (role, text) {
    var empty = this.log.querySelector(".ac-chat-empty");
    if (empty) { empty.remove(); }
    var box = el("div", "ac-msg ac-msg-" + role);
    box.appendChild(el("div", "ac-msg-role", role === "user" ? "you" : "agent"));
    var body = el("div", "ac-msg-body");
    if (text != null) { body.appendChild(el("div", "ac-msg-text", text)); }
    box.appendChild(body);
    this.log.appendChild(box);
    this.log.scrollTop = this.log.scrollHeight;
    return box;
  };

  Chat.prototype.payload = function (message) {
    var body = {agent: this.agentSelect.value, message: message, messages: this.history.slice()};
    var pin = this.pinSelect.value;
    if (pin.indexOf("env:") === 0) { body.environment = pin.slice(4); }
    else if (pin.indexOf("v:") === 0) { body.version = parseInt(pin.slice(2), 10); }
    return body;
  };

  Chat.prototype.send = function () {
    var message = this.input.value;
    if (this.busy || !message.trim() || !this.agentSelect.value) { return; }
    this.showError("");
    this.setBusy(true);
    var self = this;
    fetch(this.sendUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": this.csrf},
      body: JSON.stringify(this.payload(message))
    }).then(function (response) {
      return response.json().then(function (body) { return {ok: response.ok, body: body}; });
    }).then(function (answer) {
      if (!answer.ok) { throw new Error(problemText(answer.body)); }
      self.input.value = "";
      self.bubble("user", message);
      var reply = self.bubble("assistant", null);
      reply.dataset.run = answer.body.run;
      var meta = el("div", "ac-msg-meta");
      var link = el("a", null, answer.body.run);
      link.href = answer.body.viewer_url;
      meta.appendChild(link);
      meta.appendChild(el("span", "ac-status ac-status-" + answer.body.status, answer.body.status));
      reply.appendChild(meta);
      new Turn(self, reply, answer.body.events_url, message).poll();
    }).catch(function (error) {
      self.showError(error.message);
      self.setBusy(false);
    });
  };

  function problemText(problem) {
    if (!problem || typeof problem !== "object") { return "The request failed."; }
    var parts = [];
    var errors = problem.errors || {};
    Object.keys(errors).forEach(function (field) { parts.push(field + ": " + errors[field].join(" ")); });
    return parts.length ? parts.join("; ") : (problem.detail || problem.title || "The request failed.");
  }

  /* One run: follow its events until the terminal one. */
  function Turn(chat, box, eventsUrl, message) {
    this.chat = chat;
    this.box = box;
    this.body = box.querySelector(".ac-msg-body");
    this.status = box.querySelector(".ac-status");
    this.eventsUrl = eventsUrl;
    this.message = message;
    this.afterSeq = 0;
    this.text = null;  // the text segment deltas are appended to
    this.streamed = "";
    this.tools = {};
    this.delay = POLL_MS;
    box.dataset.deltas = "0";  // how many model.delta events the answer streamed in with
  }

  Turn.prototype.textSegment = function () {
    if (!this.text) {
      this.text = el("div", "ac-msg-text", "");
      this.body.appendChild(this.text);
    }
    return this.text;
  };

  Turn.prototype.setStatus = function (status) {
    this.status.textContent = status;
    this.status.className = "ac-status ac-status-" + status;
  };

  Turn.prototype.poll = function () {
    var self = this;
    fetch(this.eventsUrl + "?after_seq=" + this.afterSeq,
          {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error("events.json answered " + response.status); }
        return response.json();
      })
      .then(function (page) {
        var ended = false;
        page.data.forEach(function (event) {
          if (event.seq <= self.afterSeq) { return; }
          self.afterSeq = event.seq;
          if (self.handle(event)) { ended = true; }
        });
        self.setStatus(page.status);
        self.chat.log.scrollTop = self.chat.log.scrollHeight;
        self.delay = POLL_MS;
        if (ended) { self.chat.setBusy(false); self.chat.input.focus(); }
        else { window.setTimeout(function () { self.poll(); }, self.delay); }
      })
      .catch(function () {
        self.delay = Math.min(self.delay * 2, MAX_BACKOFF_MS);
        window.setTimeout(function () { self.poll(); }, self.delay);
      });
  };

  /* Show one event; true when it ends the run. */
  Turn.prototype.handle = function (event) {
    var data = event.data || {};
    if (event.type === "model.delta") {
      this.textSegment().textContent += data.text || "";
      this.streamed += data.text || "";
      this.box.dataset.deltas = String(parseInt(this.box.dataset.deltas, 10) + 1);
    } else if (event.type === "tool.started") {
      this.text = null;  // text after the tool call goes below it
      this.tools[data.call_id] = this.toolCard(data);
    } else if (event.type === "tool.completed") {
      this.completeTool(data);
    } else if (event.type === "run.waiting") {
      this.body.appendChild(el("p", "ac-msg-note", "The run is waiting (an approval or human input): answer it in the run viewer."));
    } else if (event.type === "run.succeeded") {
      var text = outputText(data.output);
      if (text !== this.streamed) { this.textSegment().textContent = text; }  // e.g. a structured output
      if (!this.streamed && !text) { this.textSegment().textContent = "(empty answer)"; }
      this.chat.history.push({role: "user", content: this.message});
      this.chat.history.push({role: "assistant", content: text});
      this.box.classList.add("ac-msg-done");
    } else if (this.chat.terminalTypes.indexOf(event.type) !== -1) {
      var error = data.error || {};
      this.body.appendChild(el("p", "ac-msg-error", event.type + (error.type ? " — " + error.type : "") +
                                                    (error.message ? ": " + error.message : "")));
      this.box.classList.add("ac-msg-done");
    }
    return this.chat.terminalTypes.indexOf(event.type) !== -1;
  };

  Turn.prototype.toolCard = function (data) {
    var card = el("details", "ac-tool");
    card.open = true;
    var summary = el("summary", null);
    summary.appendChild(el("span", "ac-kind", "tool"));
    summary.appendChild(el("code", "ac-tool-name", data.tool));
    summary.appendChild(el("span", "ac-tool-state ac-muted", "running…"));
    card.appendChild(summary);
    card.appendChild(el("pre", "ac-json ac-tool-input", pretty(data.input)));
    this.body.appendChild(card);
    return card;
  };

  Turn.prototype.completeTool = function (data) {
    var card = this.tools[data.call_id] || this.toolCard({tool: data.tool, input: ""});
    var state = card.querySelector(".ac-tool-state");
    if (data.error) {
      state.textContent = "error";
      state.className = "ac-tool-state ac-span-error";
      card.appendChild(el("pre", "ac-json ac-tool-error", pretty(data.error)));
    } else {
      state.textContent = "done";
      state.className = "ac-tool-state ac-muted";
      card.appendChild(el("pre", "ac-json ac-tool-output", pretty(data.output)));
    }
  };

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("ac-chat");
    if (form) { window.acChat = new Chat(form); }
  });
})();
