// The agent's browser softphone (issue #16): JsSIP registering as the agent's own PJSIP endpoint
// over WebSocket to the private Asterisk; the queue's Dial(PJSIP/<ext>) rings this page.
// State is shown in #softphone (data-state) and announced as a `hotline:softphone` DOM event
// ({state, registered, call, held}) so the desk can follow it; window.hotlineSoftphone exposes it
// too, with hold(on): the desk's 保持 / 取回 (a re-INVITE: Asterisk plays the caller music on hold).
(function () {
  "use strict";
  var root = document.getElementById("softphone");
  if (!root || typeof JsSIP === "undefined") { return; }
  var $ = function (id) { return document.getElementById(id); };
  var status = $("softphone-status"), callLine = $("softphone-call"), audio = $("softphone-audio");
  var answerBtn = $("softphone-answer"), hangupBtn = $("softphone-hangup"), muteBtn = $("softphone-mute");
  var autoBox = $("softphone-auto"), pad = root.querySelectorAll("button.dtmf");
  var phone = { state: "starting", registered: false, call: null, reconnects: 0, ua: null, session: null,
    presence: null, held: false, relayed: false, hold: holdCall };
  window.hotlineSoftphone = phone;
  var session = null, micStream = null, iceServers = [];

  function msg(state) { return root.getAttribute("data-msg-" + state) || state; }

  function show(state, extra) {
    phone.state = state;
    root.setAttribute("data-state", state);
    status.textContent = msg(state) + (extra ? " (" + extra + ")" : "");
    status.className = "softphone-status " + (phone.registered ? "good" : "bad");
    if (state !== "starting" && state !== "other-tab" && state !== "connecting") { report(phone.registered); }
    announce();
  }

  function announce() {
    tellOtherTabs();
    document.dispatchEvent(new CustomEvent("hotline:softphone",
      { detail: { state: phone.state, registered: phone.registered, call: phone.call, held: phone.held } }));
  }

  // 保持 / 取回 of the call in this tab's phone; a second tab of the agent (the desk opened again,
  // "other-tab") asks the tab holding the phone over a BroadcastChannel. False: nothing to hold here.
  // The tab holding the phone tells the others whether its session holds ({held}; they ask when
  // they open): their desk tells the phone's own hold from a transfer's (desk.js holdRule).
  var relay = null;
  function tellOtherTabs() {
    if (relay && phone.state !== "other-tab") { relay.postMessage({ held: phone.held }); }
  }
  function holdCall(on) {
    if (session && phone.call === "in-call") {
      return on ? session.hold() : session.unhold();
    }
    if (phone.state === "other-tab" && relay) { relay.postMessage({ hold: !!on }); return true; }
    return false;
  }
  function listenRelay(ext) {
    if (!window.BroadcastChannel) { return; }
    relay = new BroadcastChannel("hotline-softphone-" + ext);
    relay.onmessage = function (ev) {
      var d = ev.data || {};
      if (phone.state !== "other-tab") {
        if (typeof d.hold === "boolean") { holdCall(d.hold); }
        if (d.ask) { tellOtherTabs(); }
      } else if (typeof d.held === "boolean") {
        phone.held = d.held;
        phone.relayed = true;
        announce();
      }
    };
  }

  // the panel makes the agent busy while the phone is not registered (web/softphone.py)
  var reported = null, retry = null;
  var RETRY_MS = 2000;
  function report(registered, onUnload) {
    if (retry) { clearTimeout(retry); retry = null; }
    if (reported === registered) { return; }
    reported = registered;
    var form = new FormData();
    form.append("registered", registered ? "1" : "0");
    form.append("csrf_token", root.getAttribute("data-csrf"));
    var url = root.getAttribute("data-registration-url");
    if (onUnload && navigator.sendBeacon) { navigator.sendBeacon(url, form); return; }
    // a report the panel could not store (503: the database or the agent's presence held up by
    // another change; the network) is said again until it is, unless the phone changed since —
    // else the desk stays 示忙 though the phone is back; another refusal (403: logged out) is not
    function again() {
      if (reported !== registered) { return; }
      reported = null;
      retry = setTimeout(function () { retry = null; report(registered); }, RETRY_MS);
    }
    fetch(url, { method: "POST", body: form, credentials: "same-origin" }).then(function (r) {
      if (r.status === 503) { again(); return null; }
      if (!r.ok) { reported = null; return null; }
      return r.json();
    }).then(function (p) { if (p) { phone.presence = p.presence; } }, again);
  }

  // a ring in the headset while a call rings (China's ring-back cadence: 1 s on, 4 s off, 450 Hz);
  // a browser that allows no sound before a click still shows the call
  var ringer = null;
  function ring(on) {
    if (!on) { if (ringer) { ringer.close(); ringer = null; } return; }
    if (ringer || !window.AudioContext) { return; }
    try {
      ringer = new AudioContext();
      var osc = ringer.createOscillator(), gain = ringer.createGain(), t0 = ringer.currentTime;
      osc.frequency.value = 450;
      gain.gain.value = 0;
      for (var i = 0; i < 24; i++) {
        gain.gain.setValueAtTime(0.2, t0 + i * 5);
        gain.gain.setValueAtTime(0, t0 + i * 5 + 1);
      }
      osc.connect(gain).connect(ringer.destination);
      osc.start();
    } catch (e) { ringer = null; }
  }

  function setCall(call) {
    ring(call === "ringing");
    phone.call = call;
    var ringing = call === "ringing", talking = call === "in-call";
    callLine.hidden = !call;
    answerBtn.disabled = !ringing;
    hangupBtn.disabled = !(ringing || talking);
    muteBtn.disabled = !talking;
    pad.forEach(function (b) { b.disabled = !talking; });
    if (!talking) { muteBtn.setAttribute("aria-pressed", "false"); phone.held = false; }
    root.classList.toggle("ringing", ringing);
    root.classList.toggle("held", phone.held);
    announce();
  }

  // --- one tab holds the phone: a second tab of the same agent waits instead of stealing calls ---
  function withTabLock(ext, start) {
    if (!navigator.locks) { start(); return; }
    var name = "hotline-softphone-" + ext;
    navigator.locks.request(name, { ifAvailable: true }, function (lock) {
      if (lock) { start(); return new Promise(function () {}); }  // held until the tab closes
      show("other-tab");
      if (relay) { relay.postMessage({ ask: true }); }
      // take over once the other tab closes
      navigator.locks.request(name, function () { start(); return new Promise(function () {}); });
      return null;
    });
  }

  function fetchCredentials() {
    return fetch(root.getAttribute("data-credentials-url"),
      { credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error("credentials: HTTP " + r.status); } return r.json(); });
  }

  function start(creds) {
    phone.relayed = false;  // this tab holds the phone now: its own session's word
    phone.held = false;
    show("connecting");
    // without a microphone the agent cannot talk: no registration, so the queue never rings here
    navigator.mediaDevices.getUserMedia({ audio: true, video: false }).then(function (stream) {
      micStream = stream;
      register(creds);
    }, function (err) {
      phone.registered = false;
      show("no-mic", err && err.name);
    });
  }

  // TURN credentials expire (softphone_turn_ttl_s): fresh ones are fetched at half their life, so a
  // call answered hours after the page opened still gets a relay
  function keepIceFresh(ttl) {
    if (!ttl) { return; }
    setTimeout(function () {
      fetchCredentials().then(function (c) { iceServers = c.ice_servers || []; keepIceFresh(c.ice_ttl_s); },
        function () { keepIceFresh(120); });
    }, Math.max(60, ttl / 2) * 1000);
  }

  function register(creds) {
    iceServers = creds.ice_servers || [];
    keepIceFresh(creds.ice_ttl_s);
    var socket = new JsSIP.WebSocketInterface(creds.ws_url);
    var ua = new JsSIP.UA({
      sockets: [socket], uri: creds.uri, authorization_user: creds.extension, password: creds.password,
      display_name: creds.display_name, register: true, register_expires: 120, session_timers: false,
      connection_recovery_min_interval: 1, connection_recovery_max_interval: 8, user_agent: "hotline softphone"
    });
    phone.ua = ua;
    var everConnected = false;
    ua.on("connected", function () { if (!phone.registered) { show("connecting"); } });
    ua.on("disconnected", function () {
      phone.registered = false;
      if (everConnected) { phone.reconnects += 1; show("reconnecting"); } else { show("unregistered"); }
    });
    ua.on("registered", function () { everConnected = true; phone.registered = true; show("registered"); });
    ua.on("unregistered", function () { phone.registered = false; show("unregistered"); });
    ua.on("registrationFailed", function (e) { phone.registered = false; show("failed", e.cause); });
    ua.on("newRTCSession", function (e) { if (e.originator === "remote") { incoming(e.session); } });
    ua.start();
  }

  function incoming(s) {
    if (session) { s.terminate({ status_code: 486, reason_phrase: "Busy Here" }); return; }
    session = s;
    phone.session = s;
    var from = s.remote_identity;
    callLine.textContent = msg("ringing") + ": " + (from.display_name || "") + " " + from.uri.user;
    s.on("peerconnection", function (ev) { watchMedia(ev.peerconnection); });
    s.on("accepted", function () { callLine.textContent = msg("in-call") + ": " + from.uri.user; setCall("in-call"); });
    // only the agent's own hold: Asterisk's re-INVITEs (a transfer, music on hold) are not the agent's
    s.on("hold", function (e) { if (e.originator === "local") { phone.held = true; setCall(phone.call); } });
    s.on("unhold", function (e) { if (e.originator === "local") { phone.held = false; setCall(phone.call); } });
    var end = function () { session = null; phone.session = null; audio.srcObject = null; setCall(null); };
    s.on("ended", end);
    s.on("failed", end);
    setCall("ringing");
    if (autoBox.checked) { answer(); }
  }

  function watchMedia(pc) {
    pc.addEventListener("track", function (ev) {
      audio.srcObject = ev.streams && ev.streams[0] ? ev.streams[0] : new MediaStream([ev.track]);
    });
  }

  function answer() {
    if (!session || phone.call !== "ringing") { return; }
    session.answer({ mediaStream: micStream, pcConfig: { iceServers: iceServers },
      rtcOfferConstraints: { offerToReceiveAudio: true } });
    if (session.connection) { watchMedia(session.connection); }
  }

  answerBtn.addEventListener("click", answer);
  hangupBtn.addEventListener("click", function () { if (session) { session.terminate(); } });
  muteBtn.addEventListener("click", function () {
    if (!session) { return; }
    var muted = session.isMuted().audio;
    if (muted) { session.unmute({ audio: true }); } else { session.mute({ audio: true }); }
    muteBtn.setAttribute("aria-pressed", String(!muted));
  });
  pad.forEach(function (b) {
    b.addEventListener("click", function () {
      if (session) { session.sendDTMF(b.getAttribute("data-digit"), { transportType: "RFC2833" }); }
    });
  });
  autoBox.checked = localStorage.getItem("hotline-softphone-auto") === "1";
  autoBox.addEventListener("change", function () {
    localStorage.setItem("hotline-softphone-auto", autoBox.checked ? "1" : "0");
  });
  window.addEventListener("pagehide", function () {
    if (phone.ua) { phone.ua.stop(); report(false, true); }
  });

  show("starting");
  fetchCredentials().then(function (creds) {
    $("softphone-ext").textContent = creds.extension;
    listenRelay(creds.extension);
    withTabLock(creds.extension, function () { start(creds); });
  }, function (err) { show("error", err.message); });
}());
