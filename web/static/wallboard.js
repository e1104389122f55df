// Live wallboard: server-sent events from /wallboard/stream (pushed whenever live_state changes).
// Everything from the server is written with textContent: caller names are attacker-controlled.
(function () {
  "use strict";
  var root = document.getElementById("wallboard");
  var states = JSON.parse(document.getElementById("wb-states").textContent);
  var kinds = JSON.parse(document.getElementById("wb-kinds").textContent);
  var modes = JSON.parse(document.getElementById("wb-modes").textContent);
  var force = JSON.parse(document.getElementById("wb-force").textContent);
  var subjects = JSON.parse(document.getElementById("wb-subjects").textContent);
  var chosen = {};  // agent → the break reason picked in its row
  var status = document.getElementById("wb-status");
  var last = null, skew = 0, drawnAgents = null;
  var alertTexts = JSON.parse(document.getElementById("wb-alert-texts").textContent);
  var alertBox = document.getElementById("wb-alerts");
  // 确认: an acknowledged alert stays quiet until its key leaves the list or it turns critical (key →
  // the severity acknowledged; kept over a reload of the tab)
  var acked = stored(window.sessionStorage, "hotline.wallboard.acked") || {};
  var announced = {};  // key → the severity this page announced: a new key, or one turned critical, sounds once
  var muted = stored(window.localStorage, "hotline.wallboard.muted") === true;
  var audio = null;  // created at the supervisor's first click or key: browsers refuse sound before one

  function text(id, v) { document.getElementById(id).textContent = v; }
  // R-ONE-CALL: the customer's urges of an overdue order (客户催单 ×n, last time), "" when none
  var urgedWords = document.getElementById("wb-overdue-orders").dataset.urged;
  function urgedText(u) {
    return u ? urgedWords.replace("{n}", String(u.count)).replace("{at}", u.last_at) : "";
  }
  function fmt(sec) {
    if (sec === null || sec === undefined || isNaN(sec)) return "–";
    sec = Math.max(0, Math.floor(sec));
    var m = Math.floor(sec / 60), s = sec % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }
  function now() { return Date.now() / 1000 - skew; }
  // an escalation's stored reference (task:12) by its kind's word, as web.i18n.subject_label names it
  function subjectText(subject) {
    var m = /^(\w+):(\d+)$/.exec(subject);
    return m && subjects[m[1]] ? subjects[m[1]] + " #" + m[2] : subject;
  }
  function stored(store, key) {
    try { return JSON.parse(store.getItem(key) || "null"); } catch (e) { return null; }
  }
  function store(where, key, value) {
    try { where.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode: kept for this page only */ }
  }
  function rows(selector, items, cells, cls) {
    var tbody = document.querySelector(selector + " tbody");
    while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
    items.forEach(function (item) {
      var tr = document.createElement("tr");
      cls(tr, item);
      cells(item).forEach(function (v) {
        var td = document.createElement("td"); td.textContent = v; tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
  }
  function render() {
    if (!last) return;
    text("wb-waiting", String(last.waiting));
    text("wb-longest", last.oldest_since ? fmt(now() - last.oldest_since) : "–");
    text("wb-ringing", String(last.counts.ringing || 0));
    text("wb-talking", String(last.counts.talking || 0));
    text("wb-paused", String(last.counts.paused || 0));
    text("wb-sl", last.sl.pct === null ? "–" : last.sl.pct.toFixed(1) + "%");
    text("wb-sl-ratio", last.sl.num + "/" + last.sl.den + " (≤" + last.sl.n + "s)");
    // who waits, longest first: the wait, the number masked, VIP
    rows("#wb-queue", last.queue || [], function (w) {
      return [w.since ? fmt(now() - w.since) : "–", w.number || "—", w.vip ? "VIP" : ""];
    }, function (tr, w) { tr.className = "waiting" + (w.vip ? " vip" : ""); });
    // rebuilt only when an agent's row changed: the tick moves the clocks (see tick)
    var agentsNow = JSON.stringify(last.agents);
    if (agentsNow !== drawnAgents) { drawnAgents = agentsNow; agentRows(); }
    renderAlerts();
    var esc = last.escalations || [];
    text("wb-escalations", String(esc.length));
    document.getElementById("wb-escalations").className = "big" + (esc.length ? " bad" : "");
    rows("#wb-escalation-list", esc, function (e) {
      return [kinds[e.kind] || e.kind, subjectText(e.subject), fmt(now() - e.due_at)];
    }, function (tr, e) { tr.className = "escalation"; tr.dataset.id = String(e.id); });
    // R-OVERDUE: the overdue work orders (kept as the page drew them until the stream sends a list)
    if (last.overdue_orders) {
      text("wb-overdue-count", String(last.overdue_orders.length));
      rows("#wb-overdue-orders", last.overdue_orders, function (o) {
        return [o.ticket, o.district, o.technician, o.fix_by, urgedText(o.urged)];
      }, function (tr, o) { tr.className = "overdue-order" + (o.urged ? " urged" : ""); tr.dataset.id = String(o.id); });
    }
  }
  // 监控告警 (hotline/live_alerts.py): the template of its kind, in the page's language, filled with
  // its params — as text: a break's reason is whatever was typed — and its running clock
  function alertText(a) {
    var t = alertTexts[a.kind] || a.kind;
    return t.replace(/%\((\w+)\)s|%%/g, function (m, name) {
      if (!name) return "%";
      if (name === "for") return a.since ? fmt(now() - a.since) : "–";
      var v = a.params[name];
      return v === null || v === undefined ? "" : String(v);
    });
  }
  // keyed: an alert's item stays the same element while it lasts (a focused 确认 keeps its focus)
  function covers(seen, a) { return seen === a.severity || seen === "critical"; }
  function renderAlerts() {
    var list = document.getElementById("wb-alert-list"), items = last.alerts || [], keys = {}, el = {};
    items.forEach(function (a) { keys[a.key] = a; });
    Object.keys(acked).forEach(function (k) { if (!keys[k]) delete acked[k]; });  // cleared: it may sound again
    Object.keys(announced).forEach(function (k) { if (!keys[k]) delete announced[k]; });
    store(window.sessionStorage, "hotline.wallboard.acked", acked);
    Array.prototype.slice.call(list.children).forEach(function (li) {
      if (keys[li.dataset.key]) el[li.dataset.key] = li; else list.removeChild(li);
    });
    var fresh = [], open = 0;
    items.forEach(function (a, i) {
      var li = el[a.key] || alertItem(a.key), quiet = covers(acked[a.key], a);
      li.className = "alert " + a.severity + (quiet ? " acked" : "");
      li.dataset.kind = a.kind;
      li.firstChild.textContent = alertText(a);
      li.lastChild.hidden = quiet;
      if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null);
      if (!quiet) open += 1;
      if (!quiet && !covers(announced[a.key], a)) { announced[a.key] = a.severity; fresh.push(a); }
    });
    text("wb-alert-count", String(open));
    if (fresh.length) announce(fresh.some(function (a) { return a.severity === "critical"; }));
    flagAgents();
  }
  function alertItem(key) {
    var li = document.createElement("li"), span = document.createElement("span"), b = document.createElement("button");
    li.dataset.key = key;
    b.type = "button"; b.className = "ack"; b.textContent = alertBox.dataset.ack;
    b.addEventListener("click", function () {
      var a = (last.alerts || []).filter(function (x) { return x.key === key; })[0];
      if (a) acked[key] = a.severity;
      renderAlerts();
    });
    li.appendChild(span); li.appendChild(b);
    return li;
  }
  // an agent's row flagged in place (小休 too long, 保持 …): classes only, the row is not rebuilt
  function flagAgents() {
    document.querySelectorAll("#wb-agents tbody tr").forEach(function (tr, i) {
      var a = last.agents[i], mine = (last.alerts || []).filter(function (x) {
        return a && x.agent === a.agent && x.server === a.server;
      });
      tr.classList.toggle("alerted", mine.length > 0);
      tr.classList.toggle("critical", mine.some(function (x) { return x.severity === "critical"; }));
      tr.dataset.alerts = mine.map(function (x) { return x.kind; }).join(" ");
      tr.title = mine.map(alertText).join("\n");
    });
  }
  // a short tone (three for a critical one) unless muted; before the first gesture the page says
  // how to allow it instead of failing silently
  function announce(critical) {
    alertBox.dataset.announced = String(parseInt(alertBox.dataset.announced || "0", 10) + 1);
    if (muted) return;
    if (!audio || audio.state !== "running") { soundNote(); return; }
    for (var i = 0; i < (critical ? 3 : 1); i++) {
      var osc = audio.createOscillator(), gain = audio.createGain(), at = audio.currentTime + i * 0.25;
      osc.frequency.value = critical ? 988 : 660;
      gain.gain.setValueAtTime(0.2, at); gain.gain.setValueAtTime(0, at + 0.15);
      osc.connect(gain); gain.connect(audio.destination);
      osc.start(at); osc.stop(at + 0.16);
    }
    alertBox.dataset.sounded = String(parseInt(alertBox.dataset.sounded || "0", 10) + 1);
  }
  function soundNote() {
    var blocked = !muted && (!audio || audio.state !== "running");
    document.getElementById("wb-sound-note").textContent = blocked ? alertBox.dataset.soundBlocked : "";
    var b = document.getElementById("wb-sound");
    b.textContent = muted ? alertBox.dataset.soundOff : alertBox.dataset.soundOn;
    b.setAttribute("aria-pressed", muted ? "false" : "true");
  }
  function unlock() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!audio && Ctx) audio = new Ctx();
    if (audio && audio.state === "suspended") audio.resume().then(soundNote, soundNote);
    soundNote();
  }
  document.addEventListener("click", unlock, true);
  document.addEventListener("keydown", unlock, true);
  document.getElementById("wb-sound").addEventListener("click", function () {
    muted = !muted; store(window.localStorage, "hotline.wallboard.muted", muted); soundNote();
  });
  soundNote();
  function stateText(a) {
    // a phone calling a phone (the agent's own call, no call into the hotline): 内部通话
    // paused in the queue: what the agent (or a supervisor) chose at the desk — 示忙, 小休 (会议), 话后整理
    var st = states[a.state] || a.state;
    if (a.state === "paused" && (force.states[a.presence] || states[a.presence])) {
      st = (force.states[a.presence] || states[a.presence]) + (a.reason ? " (" + a.reason + ")" : "");
    }
    // 保持: the agent's phone holds the caller (Hold on its channel), its clock from the hold
    if (a.held_since) st += " · " + states.held + " " + fmt(now() - a.held_since);
    // the agent's own dial from the desk (外呼 / 回拨): ringing is its phone or the customer's, no queue call
    return st + (a.internal ? " · " + states.internal : "") + (a.outbound ? " · " + states.outbound : "");
  }
  function agentRows() {
    rows("#wb-agents", last.agents, function (a) {
      return [a.agent, stateText(a), a.since ? fmt(now() - a.since) : ""];
    }, function (tr, a) {
      tr.className = "state-" + a.state + (a.internal ? " internal" : "") + (a.held_since ? " held" : "");
      tr.dataset.agent = a.agent;
    });
    monitorButtons();
    forceButtons();
    flagAgents();
  }
  // 监听 / 耳语 / 强插 / 强拆 on an agent's live call (issue 13 §4): the supervisor's phone rings
  function monitorButtons() {
    document.querySelectorAll("#wb-agents tbody tr").forEach(function (tr, i) {
      var a = last.agents[i], td = document.createElement("td");
      if (a && a.state === "talking" && a.call_id) {
        modes.forEach(function (pair) {
          var mode = pair[0], b = document.createElement("button");
          b.type = "button"; b.className = "monitor " + mode; b.dataset.mode = mode; b.textContent = pair[1];
          b.addEventListener("click", function () { monitor(a, mode); });
          td.appendChild(b);
        });
      }
      tr.appendChild(td);
    });
  }
  // POSTs a control and shows its answer: a refusal answers 4xx (5xx: the PBX or the database down)
  // with {ok: false, error, message} (web/refusal.py), shown whatever the status
  function send(url, data) {
    var msg = document.getElementById("wb-monitor-message");
    msg.dataset.outcome = ""; msg.dataset.error = "";  // the answer of this request, not of the last one
    fetch(url, {method: "POST", credentials: "same-origin", headers: {"X-CSRFToken": root.dataset.csrf},
                body: new URLSearchParams(data)})
      .then(function (r) {
        return r.json().catch(function () {
          return {ok: false, error: "http_" + r.status, message: msg.dataset.noAnswer.replace("{status}", r.status)};
        });
      })
      .then(function (j) {
        msg.textContent = j.message || ""; msg.className = "note " + (j.ok ? "ok" : "bad");
        msg.dataset.outcome = j.outcome || (j.ok ? "done" : "refused");
        msg.dataset.error = j.ok ? "" : (j.error || "refused");
      }, function () { msg.textContent = msg.dataset.network; msg.className = "note bad"; msg.dataset.error = "network"; });
  }
  function monitor(a, mode) { send(root.dataset.monitor, {agent: a.agent, call_id: a.call_id, mode: mode}); }
  // 示忙 / 小休 (with a reason) / 签出 / 示闲 set by the supervisor (issue 13 §1): audited as forced
  function forceButtons() {
    document.querySelectorAll("#wb-agents tbody tr").forEach(function (tr, i) {
      var a = last.agents[i], td = document.createElement("td");
      if (!a) return;
      var reason = document.createElement("select");
      reason.className = "force-reason";
      force.reasons.forEach(function (r) {
        var o = document.createElement("option"); o.value = r; o.textContent = r; reason.appendChild(o);
      });
      // the table is rebuilt at each pushed change: keep the supervisor's choice of reason across rebuilds
      if (chosen[a.agent]) reason.value = chosen[a.agent];
      reason.addEventListener("change", function () { chosen[a.agent] = reason.value; });
      Object.keys(force.states).forEach(function (state) {
        var b = document.createElement("button");
        b.type = "button"; b.className = "force " + state; b.dataset.state = state; b.textContent = force.states[state];
        b.addEventListener("click", function () { setState(a, state, state === "break" ? reason.value : ""); });
        td.appendChild(b);
        if (state === "break") td.appendChild(reason);
      });
      tr.appendChild(td);
    });
  }
  function setState(a, state, reason) { send(root.dataset.presence, {agent: a.agent, state: state, reason: reason}); }
  var es = new EventSource(root.dataset.stream);
  es.onmessage = function (ev) {
    last = JSON.parse(ev.data);
    skew = Date.now() / 1000 - last.now;
    root.dataset.updates = String((parseInt(root.dataset.updates || "0", 10)) + 1);
    status.textContent = last.gap ? status.dataset.gap : "";
    render();
  };
  es.onerror = function () { status.textContent = status.dataset.lost; };
  // each second only the clocks move: rebuilding the rows every second took the keyboard's focus
  // away, closed an open reason list and lost a click whose press and release straddled a rebuild
  function tick() {
    if (!last) return;
    text("wb-longest", last.oldest_since ? fmt(now() - last.oldest_since) : "–");
    function clocks(selector, items, col, at) {
      document.querySelectorAll(selector + " tbody tr").forEach(function (tr, i) {
        var item = items[i], t = item ? at(item) : null;
        if (item && tr.cells[col]) tr.cells[col].textContent = t ? fmt(now() - t) : (col ? "" : "–");
      });
    }
    clocks("#wb-queue", last.queue || [], 0, function (w) { return w.since; });
    clocks("#wb-agents", last.agents, 2, function (a) { return a.since; });
    document.querySelectorAll("#wb-agents tbody tr").forEach(function (tr, i) {
      var a = last.agents[i];
      if (a && a.held_since && tr.cells[1]) tr.cells[1].textContent = stateText(a);
    });
    clocks("#wb-escalation-list", last.escalations || [], 2, function (e) { return e.due_at; });
    var byKey = {};
    (last.alerts || []).forEach(function (a) { byKey[a.key] = a; });
    document.querySelectorAll("#wb-alert-list li").forEach(function (li) {
      var a = byKey[li.dataset.key];
      if (a) li.firstChild.textContent = alertText(a);
    });
  }
  setInterval(tick, 1000);
})();
