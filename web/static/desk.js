// The agent desk: server-sent events from /desk/stream (presence, the live call, the screen-pop);
// the buttons POST to /desk/* with the CSRF token and show the answer's message. Everything from
// the server is written with textContent: caller-ID names are attacker-controlled.
(function () {
  "use strict";
  var root = document.getElementById("desk");
  if (!root) return;
  var L = JSON.parse(document.getElementById("desk-labels").textContent);
  var VALUES = JSON.parse(document.getElementById("desk-values").textContent);
  function V(v) { return v && VALUES[v] ? VALUES[v] : v; }  // a stored key in the page's language
  // a case's kind and status have labels of their own (受理 is no work order's 已接单)
  var CASES = JSON.parse(document.getElementById("desk-case-values").textContent);
  var last = null, skew = 0, shown = null;  // shown: the pop on screen {call_id, state, data}
  window.deskPopLog = [];  // [{call_id, ring_at, shown_at}] for the tests and bench/desk_pop.py

  function $(id) { return document.getElementById(id); }
  function text(id, v) { $(id).textContent = v === null || v === undefined ? "" : String(v); }
  function now() { return Date.now() / 1000 - skew; }
  function fmt(sec) {
    if (sec === null || sec === undefined || isNaN(sec)) return "–";
    sec = Math.max(0, Math.floor(sec));
    var m = Math.floor(sec / 60), s = sec % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }
  // in the operator's zone (settings.timezone), as every page the server renders: the browser's
  // own zone put a case made at 13:36 in the history at 05:36 on a desk outside China
  var WHEN = new Intl.DateTimeFormat("en-CA", {timeZone: root.dataset.tz, year: "numeric", month: "2-digit",
    day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23"});
  function when(epoch) {
    if (!epoch) return "";
    var p = {};
    WHEN.formatToParts(new Date(epoch * 1000)).forEach(function (x) { p[x.type] = x.value; });
    return p.year + "-" + p.month + "-" + p.day + " " + p.hour + ":" + p.minute;
  }
  function dl(id, pairs, none) {  // none: what an empty list says (an empty box looks still loading)
    var el = $(id);
    while (el.firstChild) el.removeChild(el.firstChild);
    if (!pairs.length && none) {
      var empty = document.createElement("dd"); empty.className = "none"; empty.textContent = none;
      el.appendChild(empty);
    }
    pairs.forEach(function (kv) {
      var dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = L[kv[0]] || kv[0]; dd.textContent = kv[1];
      el.appendChild(dt); el.appendChild(dd);
    });
  }
  // A refusal answers 4xx (5xx: the PBX or the database down) with {ok: false, error, message}
  // (web/refusal.py): its message is shown whatever the status; an answer that is no JSON says its status.
  function post(url, data) {
    var body = new URLSearchParams(data), m = $("desk-message");
    m.dataset.outcome = ""; m.dataset.error = "";  // the answer of this request, not of the last one
    return fetch(url, {method: "POST", body: body, credentials: "same-origin",
                       headers: {"X-CSRFToken": root.dataset.csrf}})
      .then(function (r) {
        return r.json().catch(function () {
          return {ok: false, error: "http_" + r.status, message: L.no_answer.replace("{status}", r.status)};
        });
      })
      .then(function (j) {
        m.textContent = j.message || "";
        m.className = "note " + (j.ok ? "ok" : "bad");
        m.dataset.outcome = j.outcome || (j.ok ? "done" : "refused");
        m.dataset.error = j.ok ? "" : (j.error || "refused");
        return j;
      }, function () { m.textContent = L.network; m.className = "note bad"; m.dataset.error = "network"; });
  }

  function say(message, ok, error) {  // an answer of the page itself (no request made)
    var m = $("desk-message");
    m.textContent = message; m.className = "note " + (ok ? "ok" : "bad");
    m.dataset.outcome = ok ? "done" : "refused"; m.dataset.error = ok ? "" : error;
  }

  // The agent consulting this one on its call (live.consulted_by), until the transfer completes or
  // the consultation ends: the desk says 咨询中 (来自 …) and offers only 挂断 — every other control
  // would act on the consulting agent's leg, not the caller (the server refuses them too).
  var WHILE_CONSULTED = ["c-hangup"];
  function consultedBy() {
    var live = last && last.live;
    return live && (live.state === "ringing" || live.state === "talking") && live.consulted_by || "";
  }

  function renderConsulted() {
    var by = consultedBy();
    root.dataset.consultedBy = by;
    document.querySelectorAll("#controls button").forEach(function (b) {
      if (WHILE_CONSULTED.indexOf(b.id) >= 0) return;
      if (by) { b.disabled = true; b.title = L.consulted_note; b.dataset.consulted = "1"; }
      else if (b.dataset.consulted) {  // 保持's own rule (renderHold) has just set it
        if (b.id !== "c-hold") { b.disabled = false; b.title = ""; }
        b.dataset.consulted = "";
      }
    });
  }

  function renderPresence() {
    var p = last.presence, live = last.live;
    // the agent's own dial (外呼 / 回拨) rings its phone, then the customer: 外呼中, not 振铃
    var dialling = p.state === "ringing" && live && live.outbound;
    // another agent's consultation rings / talks to this one (咨询中 (来自 8001)): not the caller yet
    var by = consultedBy();
    text("desk-state", by ? L.consulted.replace("{agent}", by) : dialling ? L.dialling : L[p.state] || p.state);
    $("desk-state").dataset.state = p.state;
    text("desk-reason", p.reason ? "(" + p.reason + ")" : "");
    // the call beside a state the agent chose (示忙 · 通话中); not 通话中 · 通话中
    var liveText = !by && live && (live.state === "ringing" || live.state === "talking") && live.state !== p.state
      ? "· " + (live.state === "ringing" && live.outbound ? L.dialling : L[live.state] || live.state) : "";
    text("desk-live", liveText);
    var left = p.state === "wrap_up" && p.wrapup_until ? p.wrapup_until - now() : null;
    $("desk-countdown").hidden = left === null;
    $("wrapup-buttons").hidden = p.state !== "wrap_up";
    if (left !== null) text("desk-countdown", fmt(Math.ceil(Math.max(0, left))));
    $("desk-gap").hidden = !last.gap;
  }

  function renderHistory(pop) {
    var tbody = document.querySelector("#pop-history tbody");
    while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
    (pop.contacts || []).forEach(function (c) {
      var tr = document.createElement("tr");
      tr.className = "contact kind-" + c.kind + (c.open ? " open-matter" : "");
      var isCase = c.kind === "case";
      var what = (isCase ? CASES.kinds[c.what] || c.what : V(c.what)) || "";
      if (c.kind === "call" && c.agent) what += " · " + c.agent;
      if (c.ticket) what += " · " + c.ticket;
      var status = (isCase ? CASES.statuses[c.status] || c.status : V(c.clock || c.status)) || "";
      if (c.open) status = (status ? status + " · " : "") + L.open;
      [when(c.at), L[c.kind] || c.kind, what, status].forEach(function (v) {
        var td = document.createElement("td"); td.textContent = v; tr.appendChild(td);
      });
      var td = document.createElement("td");
      if ((c.kind === "call" || isCase) && c.id) {
        var a = document.createElement("a"); a.textContent = "#" + c.id;
        a.href = (isCase ? root.dataset.cases : root.dataset.calls) + "/" + c.id;
        if (isCase) { a.target = "_blank"; a.rel = "noopener"; }  // the desk stays live
        td.appendChild(a);
      }
      tr.appendChild(td);
      tbody.appendChild(tr);
    });
    if (!(pop.contacts || []).length) {
      var tr = document.createElement("tr"), td = document.createElement("td");
      tr.className = "none"; td.colSpan = 5; td.textContent = L.no_contacts;
      tr.appendChild(td); tbody.appendChild(tr);
    }
  }

  function renderPop() {
    var pop = last.pop, live = last.live;
    if (pop) {
      // ended: 话后整理's call (a reloaded desk); transferred: handed over from this page
      var state = pop.ended ? (shown && shown.call_id === pop.call_id && shown.handedOver ? "transferred" : "ended")
        : live.state;
      if (!shown || shown.call_id !== pop.call_id) {
        // sent_at: when the server wrote the event (the bench tells the server's part from the browser's)
        window.deskPopLog.push({call_id: pop.call_id, ring_at: live ? live.since : null, sent_at: last.now,
                                shown_at: Date.now() / 1000, state: state});
      }
      var same = shown && shown.call_id === pop.call_id;
      shown = {call_id: pop.call_id, state: state, data: pop, talkFrom: same ? shown.talkFrom : null,
               handedOver: same ? shown.handedOver : false};
    } else if (shown && shown.state === "ringing") {
      // it rang and stopped without an answer: the agent's own dial did not reach the customer
      shown.state = shown.data.outbound ? "unreached" : "missed";
    } else if (shown && shown.state === "talking") {
      shown.state = shown.handedOver ? "transferred" : "ended";  // 已转接 is no call that ended
    }
    var box = $("pop");
    if (!shown) { box.hidden = true; root.dataset.popState = ""; return; }
    var d = shown.data;
    box.hidden = false;
    box.className = "pop " + shown.state;
    root.dataset.popCall = d.call_id;
    root.dataset.popState = shown.state;
    var by = consultedBy();
    text("pop-status", by && last.live.call_id === d.call_id ? L.consulted.replace("{agent}", by)
      : shown.state === "ringing" && d.outbound ? L.dialling : L[shown.state] || shown.state);
    text("pop-number", d.number || "");
    text("pop-name", d.name || "");
    $("pop-vip").hidden = !(d.vip || (d.customer && d.customer.vip));
    $("pop-repeat").hidden = !d.repeat_open;
    // issue 14: one click from the pop to the case form, the call tied and the customer pre-filled
    $("pop-new-case").href = root.dataset.newcase + "?server=" + encodeURIComponent(d.server || "") +
      "&call_id=" + encodeURIComponent(d.call_id || "") + "&number=" + encodeURIComponent(d.number || "");
    var c = d.customer;
    dl("pop-customer", c ? ["name", "address", "area", "account"].filter(function (k) { return c[k]; })
      .map(function (k) { return [k, c[k]]; }) : [], c ? "" : L.no_customer);
    dl("pop-ivr", Object.keys(d.ivr || {}).map(function (k) {
      var v = d.ivr[k];
      // the menu choice and the area are keys (the fault type comes named by the server)
      return [k, k === "HOTLINE_MENU" ? (L["menu_" + v] || v) : k === "HOTLINE_FAULT_AREA" ? (VALUES[v] || v) : v];
    }));
    renderHistory(d);
    $("controls").hidden = shown.state !== "talking";
    $("c-dial").hidden = shown.state === "ringing" || shown.state === "talking" || !d.number;
    renderWait();
    renderTalk();
    renderHold();
  }

  // 保持中 and its clock are the PBX's word (live.held_since: Hold / Unhold on the agent's channel),
  // so a reload, a second tab and a desk phone's own hold key show the same. The button is the
  // browser softphone's (softphone.js hold(): a re-INVITE); it says what the phone's session will do
  // (a second tab hears it from the tab holding the phone), else what the PBX says. A desk phone
  // holds with its key.
  var ownHold = false;  // the PBX's hold is still this phone's own (its Unhold not seen yet after 取回)
  // One home for "may hold now" (the button and its shortcut). During 咨询转接 (the desk's, a phone's
  // *2) the transfer holds the caller — Asterisk's Hold on the agent's leg, so held_since is set —
  // while the phone's own session holds nothing: its leg talks to the consulted party, whom a
  // 保持 would hold. Returns {show, held, consulting, since}.
  // From a 咨询转接 asked here until the PBX's Hold reaches the desk (about a second) the snapshot
  // holds nothing yet: the ask counts as the consultation meanwhile, for CONSULT_ASKED_S at most
  // (a refusal ends it at once).
  var CONSULT_ASKED_S = 5, consultAsked = null;  // {call: call_id, at: epoch s}
  function holdRule() {
    var talking = shown && shown.state === "talking", live = last && last.live, sp = window.hotlineSoftphone;
    var since = talking && live && live.call_id === shown.call_id ? live.held_since : null;
    var here = !!sp && sp.call === "in-call", other = !!sp && sp.state === "other-tab";
    var knows = here || (other && sp.relayed);  // the phone's own hold is known in this tab
    if (knows && sp.held) ownHold = true; else if (!since) ownHold = false;
    if (consultAsked && (since || !talking || consultAsked.call !== shown.call_id
                         || now() - consultAsked.at > CONSULT_ASKED_S)) consultAsked = null;
    var consulting = knows && ((!!since && !ownHold) || !!consultAsked);
    return {show: !!talking && (here || other), since: since, consulting: consulting,
            held: knows ? !!sp.held : !!since};
  }

  function renderHold() {
    var r = holdRule(), sp = window.hotlineSoftphone;
    $("pop-held").hidden = !r.since;
    if (r.since) text("pop-held-clock", fmt(now() - r.since));
    var limit = parseInt(root.dataset.holdWarnS, 10), over = r.since && now() - r.since > limit;
    $("pop-hold-warn").hidden = !over;
    text("pop-hold-warn", over ? L.hold_warn.replace("{limit}", limit) : "");
    var b = $("c-hold");
    b.hidden = !r.show;
    b.disabled = r.consulting;
    b.title = r.consulting ? L.hold_consulting : "";
    b.textContent = r.held ? L.unhold : L.hold;
    b.dataset.held = r.held ? "1" : "";
    $("c-hold-note").hidden = !(r.show && r.consulting);
    $("c-hold-phone").hidden = !(shown && shown.state === "talking" && !sp);
    // 完成转接 / 取消咨询 only while a consultation of this call is under way, 咨询转接 only while
    // none is: the server's word (live.consulting: one started from this desk, the caller still
    // held — also after a reload), the softphone's (the PBX holds the caller, the phone does not),
    // or the ask just made here (before the PBX's Hold). Until 7 December all three showed always.
    var live = last && last.live, talking = shown && shown.state === "talking";
    var on = !!talking && (r.consulting || !!consultAsked
                           || !!(live && live.call_id === shown.call_id && live.consulting));
    $("c-consult").hidden = on;
    $("c-consult-complete").hidden = $("c-consult-cancel").hidden = !on;
    renderConsulted();
  }

  // The wait stops at the answer (the PBX's, live.since of the talking state): a desk opened mid-call
  // shows it too, and the late apology (R-ANS-LATE-APOLOGY) is then said as played, not as to come.
  function renderWait() {
    if (!shown || !shown.data.wait_from) { text("pop-wait", "–"); text("pop-apology", ""); return; }
    var live = last && last.live, ringing = shown.state === "ringing", end = ringing ? now() : null;
    if (shown.state === "talking" && live && live.state === "talking" && live.call_id === shown.call_id) end = live.since;
    if (!end) return;  // ended: left as it was
    var waited = end - shown.data.wait_from;
    text("pop-wait", fmt(waited));
    text("pop-apology", waited > shown.data.apology_after_s ? (ringing ? L.apology : L.apology_played) : "");
  }

  // 通话时长 runs from the answer the PBX reported (live.since of the agent's talking state) and
  // stops where it was at the hang-up, so the 已结束 pop still says how long the call took.
  function renderTalk() {
    var live = last && last.live;
    if (shown && shown.state === "talking" && live && live.state === "talking" && live.call_id === shown.call_id
        && live.since) {
      shown.talkFrom = live.since;
      text("pop-talk", fmt(now() - live.since));
    }
    $("pop-talk-box").hidden = !(shown && shown.talkFrom);
  }

  function render() {
    if (!last) return;
    renderPresence();
    renderPop();
  }

  document.querySelectorAll("[data-state]").forEach(function (b) {
    if (b.tagName !== "BUTTON") return;
    b.addEventListener("click", function () {
      post(root.dataset.presence, {state: b.dataset.state, reason: b.dataset.state === "break" ? $("break-reason").value : ""});
    });
  });
  document.querySelectorAll("[data-action]").forEach(function (b) {
    b.addEventListener("click", function () { post(root.dataset.wrapup, {action: b.dataset.action}); });
  });
  document.querySelectorAll("#controls [data-control]").forEach(function (b) {
    b.addEventListener("click", function () {
      if (!shown) return;
      var call = shown.call_id;
      var asked = b.dataset.control === "consult" ? {call: shown.call_id, at: now()} : null;
      if (asked) { consultAsked = asked; renderHold(); }
      post(root.dataset.control, {control: b.dataset.control, call_id: shown.call_id,
                                  to: $("transfer-to").value, phrase: b.dataset.phrase || ""})
        .then(function (j) {
          if (asked && consultAsked === asked && !(j && j.ok)) { consultAsked = null; renderHold(); }
          var handed = b.dataset.control === "transfer" || b.dataset.control === "consult_complete";
          if (handed && j && j.ok && shown && shown.call_id === call) shown.handedOver = true;
        });
    });
  });
  $("c-hold").addEventListener("click", function () {
    if (holdRule().consulting) { say(L.hold_consulting, false, "consulting"); renderHold(); return; }
    var sp = window.hotlineSoftphone, hold = !this.dataset.held;
    // false: the phone is still busy with the last hold / retrieve (a re-INVITE under way)
    if (sp && sp.hold(hold)) say(hold ? L.held_note : L.unheld_note, true);
    else say(L.hold_busy, false, "hold_busy");
    renderHold();
  });
  document.addEventListener("hotline:softphone", function () { if (last) renderHold(); });
  $("c-dial").addEventListener("click", function () {
    if (shown && shown.data.number) post(root.dataset.dial, {number: shown.data.number});
  });
  function dialOut() { post(root.dataset.dial, {number: $("dial-number").value.trim(), kind: "out"}); }
  $("c-dial-out").addEventListener("click", dialOut);
  $("dial-number").addEventListener("keydown", function (ev) { if (ev.key === "Enter") dialOut(); });

  // The desk's keyboard shortcuts, the one table: the legend (#desk-keys) is written from it.
  // Alt+letter and F-keys are no typing, so they work in a field too; "?" only outside one. A key
  // does what its button does — a button not offered now (hidden, disabled) is not pressed, the
  // desk says why (a disabled button's title, else that it is not offered now).
  var KEYS = [
    {key: "F2", id: "softphone-answer"}, {key: "F4", id: "c-hangup"},
    {key: "Alt+R", id: "p-available"}, {key: "Alt+B", id: "p-busy"}, {key: "Alt+P", id: "p-break"},
    {key: "Alt+H", id: "c-hold"}, {key: "Alt+S", id: "c-survey"}, {key: "Alt+N", id: "pop-new-case"},
    {key: "Alt+O", id: "dial-number", focus: true}, {key: "Alt+W", id: "w-end"}
  ];
  function keyOf(ev) {
    if (ev.ctrlKey || ev.metaKey) return null;
    if (/^F\d+$/.test(ev.key)) return ev.altKey || ev.shiftKey ? null : ev.key;
    // the physical key: the same with a Chinese input method or another layout
    if (ev.altKey && !ev.shiftKey && /^Key[A-Z]$/.test(ev.code)) return "Alt+" + ev.code.slice(3);
    return null;
  }
  function labelOf(el) { return el.getAttribute("aria-label") || el.textContent.trim(); }
  function offered(el) { return !el.disabled && !el.closest("[hidden]"); }
  function press(k) {
    var el = $(k.id);
    if (!el || !offered(el)) {
      say(el && el.disabled && el.title ? el.title : L.key_off.replace("{key}", k.key).replace("{label}", el ? labelOf(el) : k.key),
          false, "key_off");
      return;
    }
    if (k.focus) el.focus(); else el.click();
  }
  function legend() {
    var tbody = document.querySelector("#desk-keys-table tbody");
    while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
    KEYS.forEach(function (k) {
      var el = $(k.id), tr = document.createElement("tr"), kbd = document.createElement("kbd"), td = document.createElement("td");
      if (!el) return;  // no softphone in this page: no 接听 key
      kbd.textContent = k.key; td.appendChild(kbd); tr.appendChild(td);
      td = document.createElement("td"); td.textContent = k.id === "c-hold" ? L.hold + " / " + L.unhold : labelOf(el);
      tr.appendChild(td); tbody.appendChild(tr);
    });
  }
  legend();
  document.addEventListener("keydown", function (ev) {
    var t = ev.target, typing = t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
    if (ev.key === "?" && !typing && !ev.ctrlKey && !ev.altKey && !ev.metaKey) {
      var box = $("desk-keys");
      box.open = !box.open;
      ev.preventDefault();
      return;
    }
    var key = keyOf(ev), k = key && KEYS.filter(function (x) { return x.key === key; })[0];
    if (!k) return;
    ev.preventDefault();  // the browser's own use of the key (if any) is not the agent's
    if (!ev.repeat) press(k);  // a key held down presses once
  });

  var es = new EventSource(root.dataset.stream);
  es.onmessage = function (ev) {
    last = JSON.parse(ev.data);
    skew = Date.now() / 1000 - last.now;
    root.dataset.updates = String(parseInt(root.dataset.updates || "0", 10) + 1);
    render();
  };
  es.onerror = function () { $("desk-message").textContent = L.lost; };
  setInterval(function () { if (last) { renderPresence(); renderWait(); renderTalk(); renderHold(); } }, 500);
})();
