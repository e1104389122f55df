"""All settings in one place: defaults in code, a TOML file overlay, environment overrides.

Precedence (later wins): the defaults below, the file named by ``HOTLINE_CONFIG`` (or
``hotline.toml`` in the working directory when present), then ``HOTLINE_<FIELD>`` environment
variables (``HOTLINE_RING_CYCLE_S=1``). Every number from SERVICE-STANDARDS.md is a field here,
never a constant in code.
"""

from __future__ import annotations

import dataclasses
import os
import re
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

from hotline.setting_values import SettingsError, coerce

ROOT = Path(__file__).resolve().parent.parent
# an area code (区号) as operators write it, with or without its trunk 0: 010, 10, 0755
AREA_CODE = re.compile(r"0?[1-9][0-9]{0,3}")
__all__ = ["ROOT", "Settings", "SettingsError", "load"]


@dataclass
class Settings:
    # --- identity and places -------------------------------------------------------------
    server_id: str = "pbx1"
    runtime_dir: Path = ROOT / "var"
    database_url: str = ""  # empty: sqlite file under runtime_dir
    timezone: str = "Asia/Shanghai"
    company_name: str = "有线电视"

    # --- the private Asterisk ----------------------------------------------------------------
    asterisk_binary: str = "asterisk"
    asterisk_modules_dir: str = "/usr/lib/asterisk/modules"
    asterisk_data_dir: str = "/usr/share/asterisk"
    asterisk_start_timeout_s: float = 20.0
    ami_host: str = "127.0.0.1"
    ami_port: int = 5039  # not 5038: a system Asterisk may hold the default
    # Three AMI users, each with only what its programs send (hotline/pbx/ami.py AmiRole). Secrets
    # empty: generated once into runtime_dir/secrets (mode 0600). For an existing Asterisk set
    # ami_user / ami_secret alone and every program logs in as that one user, as before.
    ami_user: str = "hotline"  # originate only: the panel's and the scheduler's callbacks
    ami_secret: str = ""
    ami_listener_user: str = "hotline-listener"  # reads events; Ping, CoreShowChannels, QueueStatus
    ami_listener_secret: str = ""
    ami_admin_user: str = "hotline-admin"  # CLI commands: only `hotline pbx` / `hotline run` (start, stop)
    ami_admin_secret: str = ""
    ami_desk_user: str = "hotline-desk"  # the agent desk: queue members, call controls, monitoring (no shell)
    ami_desk_secret: str = ""
    sip_port: int = 5070
    rtp_start: int = 20000
    rtp_end: int = 20999
    agi_host: str = "127.0.0.1"
    agi_port: int = 4573
    # FastAGI runs dialplan applications on live calls: only these addresses / networks (the
    # Asterisk) may open a session; a remote Asterisk needs its address here
    agi_allowed_peers: list[str] = field(default_factory=lambda: ["127.0.0.1", "::1"])
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    web_secret_key: str = ""  # empty: generated once into runtime_dir/secrets

    # --- hotline and queue -----------------------------------------------------------------
    hotline_number: str = "10000"
    queue_name: str = "hotline"
    queue_strategy: str = "rrmemory"
    queue_member_timeout_s: int = 15  # how long one member rings before the next is tried
    queue_retry_s: int = 1
    queue_timeout_s: int = 300  # caller leaves the queue unanswered after this
    queue_wrapup_s: int = 0
    # R-MISSED-CALLBACK: every this many seconds of waiting the caller hears all_busy (busy, keep
    # waiting or hang up and be called back), counted from the end of the last one; 0: never
    queue_periodic_announce_s: int = 30
    agents: list[str] = field(default_factory=lambda: ["8001", "8002", "8003"])
    agent_technology: str = "local"  # local: simulated Local/<ext>@agents; pjsip: real phones
    record_calls: bool = True
    # callbacks dial customers through this (Asterisk Dial syntax, {number} = the customer's number);
    # the default reaches simulated customers, a real site uses e.g. "PJSIP/{number}@trunk"
    outbound_dial: str = "Local/{number}@sim-customer/n"
    callback_ring_s: int = 30
    # Asterisk's durable logs the listener backfills AMI gaps from (empty: the private Asterisk's)
    cel_csv_path: str = ""
    queue_log_path: str = ""
    # while the database is unavailable the listener keeps batches on disk, up to this much
    listener_journal_max_mb: float = 512.0
    listener_db_retry_s: float = 30.0  # with the journal full: how long AMI is left unread
    # AMI reads waiting for the listener's worker, in MB of frames: past it the listener stops
    # reading AMI until the worker is down to a quarter of it, and backfills the gap from CEL
    listener_inbox_max_mb: float = 32.0
    # SQLite: how long a write waits for another's lock before it fails; long enough for a burst of
    # writers (the scheduler's pass, the listener's flush, the panel) on a loaded machine
    db_busy_timeout_s: float = 30.0

    # --- service rules (SERVICE-STANDARDS.md) ------------------------------------------------
    ring_cycle_s: float = 5.0  # R-ANS-4RINGS: China's ring is 1 s on + 4 s off
    max_rings: int = 4  # R-ANS-4RINGS
    hours_open: str = "08:00"  # R-ANS-HOURS
    hours_close: str = "22:00"  # R-ANS-HOURS
    short_abandon_s: float = 5.0
    service_level_s: float = 20.0  # SL(N): N seconds
    repeat_window_h: float = 24.0  # R-ONE-CALL
    # R-FAULT-SLA, minutes after the report
    sla_urban_arrive_min: int = 30
    sla_urban_small_fix_min: int = 60
    sla_urban_big_fix_min: int = 24 * 60
    sla_rural_arrive_min: int = 120
    sla_rural_small_fix_min: int = 12 * 60
    sla_rural_big_fix_min: int = 24 * 60
    fault_same_evening_cutoff: str = "21:00"
    # R-KPI monthly targets, percent
    kpi_satisfaction_pct: float = 95.0
    kpi_on_time_pct: float = 98.0
    kpi_complaint_resolution_pct: float = 99.0
    kpi_compliance_pct: float = 95.0
    kpi_retraining_months: int = 3

    # --- panel (web/) ------------------------------------------------------------------------
    recordings_dir: str = ""  # empty: the private Asterisk's monitor dir; recordings are served only from inside it
    login_max_failures: int = 5  # failed logins per IP+user within login_window_s before refusing
    login_window_s: int = 300
    wallboard_poll_s: float = 0.25  # how often the SSE stream reads live_state (push on change)

    # --- prompts (prompts/) -----------------------------------------------------------------
    gtts_url: str = "https://translate.google.com/_/TranslateWebserverUi/data/batchexecute"
    gtts_lang: str = "zh-CN"
    gtts_timeout_s: float = 10.0  # per request: gTTS's default (None) waits forever on a silent endpoint
    gtts_probe_timeout_s: float = 3.0  # one reachability probe per build before using gTTS at all
    espeak_voice: str = "cmn-latn-pinyin"  # the plain "cmn" voice reads tone digits in English
    espeak_speed_wpm: int = 175  # espeak-ng's own default (-s); the tests speak faster to run quicker

    # --- IVR (ivr/) -----------------------------------------------------------------------------
    fault_same_evening_end: str = "24:00"  # R-FAULT-SLA: "no fault left overnight" (small faults)
    ivr_menu_tries: int = 3  # wrong or no key this many times: to an agent, never a hang-up
    ivr_key_timeout_s: float = 5.0  # one-key menus: wait after the prompt
    ivr_entry_timeout_s: float = 10.0  # numbers ended by #: wait after the prompt
    ivr_record_max_s: int = 60  # fault description, stopped earlier by # or silence
    ivr_record_silence_s: int = 3
    ivr_fault_types: list[str] = field(default_factory=lambda: [
        "no_picture", "mosaic", "no_sound", "broadband", "phone_line", "other"])  # key n = item n
    ivr_db_timeout_s: float = 2.0  # a slower database is skipped for that step, never waited on
    ivr_db_workers: int = 8  # threads doing the IVR's database work, off the asyncio loop
    ivr_agi_read_timeout_s: float = 10.0  # a connection that sends no complete AGI request in time is dropped
    ivr_max_sessions: int = 500  # concurrent FastAGI sessions; more are refused (logged), those callers queue at once

    # --- callbacks (hotline/callbacks/) ----------------------------------------------------------
    phone_region: str = "CN"  # numbers without a country code are read as this region's
    # the operator's own area code (区号, "010"): a 7–8 digit landline number given without it (a trunk
    # that sends local numbers short) is read as in this area (R-ONE-CALL); empty: such numbers are
    # not numbers to call back
    local_area_code: str = ""
    callback_missed_due_min: int = 15  # R-MISSED-CALLBACK: a missed caller is called back within this
    callback_partial_report_grace_min: int = 10  # an incomplete IVR report this old (call gone) is a missed call
    callback_revisit_start: str = "09:00"  # R-FAULT-REVISIT: next working morning, from…
    callback_revisit_end: str = "12:00"  # …until (the deadline)
    callback_consult_due_h: float = 24.0  # R-CONSULT-24H, counted in working-day hours
    complaint_contact_h: float = 2.0  # R-COMPLAINT: a supervisor contacts the customer
    complaint_solution_h: float = 24.0  # R-COMPLAINT: general complaint solved
    complaint_progress_h: float = 72.0  # R-COMPLAINT: complex complaint, progress reported
    callback_overdue_release_min: int = 60  # R-OVERDUE: overdue agent-owned task becomes anyone's after this
    callback_max_attempts: int = 3  # dials that reached the customer's line, per task
    callback_retry_min: int = 30  # between two attempts of one task
    callback_reached_min_talk_s: float = 5.0  # shorter than this is not "reached"
    callback_agent_ring_s: int = 20  # how long the agent's phone rings for a click-to-call
    callback_reconcile_timeout_min: int = 10  # an attempt with no call record after this failed
    callback_scheduler_interval_s: float = 30.0  # `hotline scheduler run` pass interval
    # --- dialling / SMS policy (hotline/dialing_policy.py): toll fraud through callbacks ------------
    # numbers outside these are dialled or texted only once a supervisor approved (callback task `held`)
    dial_allowed_regions: list[str] = field(default_factory=lambda: ["CN"])
    dial_allowed_types: list[str] = field(default_factory=lambda: [
        "fixed_line", "mobile", "fixed_line_or_mobile"])  # phonenumbers' PhoneNumberType names, lower case
    dial_max_per_number_day: int = 6  # dials of one number per local day, whatever the task; 0: no cap
    dial_max_per_day: int = 1000  # dials per local day in all; 0: no cap

    # --- retention (hotline/retention.py, `hotline scheduler purge`); 0 days = keep forever ------------------
    retention_raw_events_days: int = 90  # raw AMI event batches (calls can be rebuilt from them until then)
    retention_calls_days: int = 1095  # call records with their ring attempts, QA grades, listens
    retention_recordings_days: int = 180  # call recordings (the wav files; the call keeps its row)
    complaint_keep_days: int = 1096  # R-COMPLAINT: complaint files kept at least 3 years; never purged younger

    # --- `hotline run` supervision, and retention of what the purge above did not cover (issue #19) ---
    run_ready_timeout_s: float = 60.0  # `hotline run`: every service must answer within this, else the start failed
    run_restart_backoff_max_s: float = 30.0  # a dead service is restarted after 1 s, doubling up to this
    retention_fault_reports_days: int = 1095  # fault reports (a report of an open complaint's customer is kept)
    retention_voice_days: int = 180  # IVR voice descriptions (recorded files; the report keeps its row)
    retention_callback_tasks_days: int = 1095  # closed callback tasks with their attempts (complaints' kept)
    retention_customers_days: int = 0  # customers not updated for this long; 0: kept (the operator's list)
    retention_asterisk_logs_days: int = 90  # CEL Master.csv and queue_log lines (the backfill reads them)
    retention_logs_days: int = 30  # runtime_dir/log/*.log (rotated copies), listener journals set aside
    retention_sms_days: int = 180  # SMS of the outbox once sent or given up (numbers, texts); a young complaint's kept
    retention_purge_hour: int = 3  # `hotline scheduler run` purges once a day, after this local hour
    scheduler_watermark_overlap_s: float = 600.0  # calls re-read this far behind the watermark (late commits, rebuilds)
    scheduler_started_lookback_h: float = 24.0  # a pass reads calls started this recently; a daily sweep the rest
    # --- desk (hotline/desk/): agent presence, call controls, supervisor monitoring ---------------
    desk_wrapup_s: int = 15  # 话后整理: after an answered call the agent stays paused this long
    # 保持: the desk warns an agent holding the caller longer than this (no rule of the operator's
    # documents sets one: a hosted centre's usual minute; README "Agent desk (web)")
    desk_hold_warn_s: int = 60
    desk_break_reasons: list[str] = field(default_factory=lambda: ["用餐", "培训", "会议", "其他"])  # 小休
    # --- 监控告警: the wallboard's alerts (hotline/live_alerts.py); 0 turns one off ----------------
    alert_waiting_callers: int = 5  # callers waiting in a queue (critical from twice as many)
    alert_longest_wait_s: float = -1.0  # a queue's longest wait (critical from twice); -1: the ring rule's 20 s
    alert_sl_target_pct: float = 80.0  # today's SL (÷ offered) under this, percent
    alert_sl_min_offered: int = 20  # ... once this many calls were offered today
    alert_no_agent_s: float = 10.0  # callers waiting this long with no agent 示闲
    alert_break_s: int = 1800  # 小休 longer than this
    # ... a reason's own limit instead, seconds (a meal is longer than a short break): a TOML table
    # (alert_break_reason_s = { "用餐" = 3600 }), HOTLINE_ALERT_BREAK_REASON_S="用餐=3600,培训=7200"
    alert_break_reason_s: dict[str, int] = field(default_factory=dict)
    alert_wrapup_over_s: int = 30  # 话后整理 still running this long after its end
    desk_sync_interval_s: float = 1.0  # `hotline scheduler run` moves every agent's presence after the calls this often
    # 监听 / 耳语 / 强插: what rings for a supervisor without an extension on their user ("PJSIP/8100")
    desk_supervisor_endpoint: str = ""
    # the desk's and wallboard's streams wake on a push (PostgreSQL NOTIFY, SQLite data_version:
    # hotline/live_signal.py); false: they read the database every wallboard_poll_s (a pooler dropping LISTEN)
    live_push: bool = True
    # --- panel security (web/security.py, web/auth/) -------------------------------------------------
    web_secure_cookies: bool = False  # session cookie sent over HTTPS only: set it behind a TLS proxy
    web_trusted_proxies: int = 0  # reverse proxies in front of the panel whose X-Forwarded-For/-Proto count; 0: none
    login_ip_max_failures: int = 20  # failed logins per IP, whatever the user name (unknown ones too), per window
    login_limiter_max_keys: int = 10000  # the login limiter forgets its stalest keys past this many
    api_token_days: int = 365  # an API token expires this many days after it is made; 0: never
    wallboard_user_check_s: float = 5.0  # an open wallboard stream rechecks its user this often
    # --- cases and customers (hotline/cases/, hotline/customers/) ------------------------------------
    # quality inspection (R-QA): the score sheet (items, weights, veto items, bands; TOML), the daily sample
    qa_sheet_path: str = ""  # empty: hotline/qa_sheet.toml
    qa_sample_per_agent: int = 2  # 质检抽检: answered calls drawn per agent per day (hotline/qa_sample.py)
    case_categories_path: str = ""  # the kinds and categories of cases (TOML); empty: hotline/case_categories.toml
    case_default_due_h: float = 24.0  # 建议 / 表扬 / 业务办理 (no rule of their own): working-day hours
    # the operator's districts: a customer's district, work orders', technicians' and outages' (empty: any)
    districts: list[str] = field(default_factory=list)
    # --- field service and SMS (hotline/field/, hotline/notifications/, scheduler/sms_sender.py) ---------
    field_unaccepted_escalate_min: int = 15  # R-FAULT-DISPATCH: a dispatched order not accepted in this → supervisor
    field_technician_ring_s: int = 30  # the technician's phone rings this long before the customer is dialled
    outage_cluster_reports: int = 5  # R-FAULT-OUTAGE: this many reports of one fault type from one district…
    outage_cluster_window_min: int = 30  # …within this many minutes suggest an outage
    sms_provider: str = "kannel"  # kannel (sendsms HTTP on smsbox) | none (messages stay queued)
    sms_sender_id: str = ""  # the "from" of every SMS; empty: hotline_number
    kannel_sendsms_url: str = "http://127.0.0.1:13013/cgi-bin/sendsms"
    kannel_username: str = "hotline"
    kannel_password: str = ""  # empty: generated once into runtime_dir/secrets (write the same in kannel.conf)
    kannel_smsc_id: str = ""  # route through this smsc-id; empty: Kannel chooses
    sms_dlr_url: str = ""  # where Kannel reports delivery (the panel's route); empty: no delivery reports asked
    sms_templates_file: str = ""  # a TOML file of zh templates overriding hotline/notifications/templates.toml
    sms_max_attempts: int = 0  # tries while the gateway is away, then failed; 0: wait for it however long
    sms_retry_base_s: float = 30.0  # back-off after the first failure, doubled each time…
    sms_retry_max_s: float = 1800.0  # …up to this
    sms_http_timeout_s: float = 10.0
    sms_claim_stale_s: float = 300.0  # a claim older than this (sender died mid-send) is failed, never resent
    sms_send_interval_s: float = 5.0  # the sender's pass interval
    sms_batch: int = 50  # messages per pass

    # --- production (#17): serving, shared figures, doctor --------------------------------------
    # `hotline web serve` reads the supervisor page's figures again this often; 0: at start only
    panel_warm_interval_s: float = 60.0
    rollup_interval_s: float = 60.0  # `hotline scheduler run` updates the supervisor page rollups this often; 0: off
    # every long-running service (hotline/malloc_policy.py): glibc maps blocks this large apart, unmapped on
    # free, for good; 0: glibc's dynamic threshold (it rises after each large free, up to 32 MiB)
    malloc_mmap_threshold_kb: int = 128
    # …and its threads share at most this many glibc arenas (2: the fleet soak's panel grew half as fast, README
    # "Load figures", runs 8 and 9); 0: glibc's own, 8 a core
    malloc_arena_max: int = 2
    web_threads: int = 64  # `hotline web serve` (waitress): requests at once; an open event stream holds one
    web_connection_limit: int = 200  # connections open at once; more wait in the listen backlog
    web_backlog: int = 1024  # the listen socket's backlog
    web_channel_timeout_s: int = 120  # a connection idle this long (no request under way) is closed
    web_max_request_body_bytes: int = 10 * 1024 * 1024  # larger request bodies are refused (413)
    web_max_request_header_bytes: int = 64 * 1024  # larger request headers are refused (431)
    doctor_min_free_mb: int = 1024  # `hotline doctor` fails below this much free space in runtime_dir
    doctor_timeout_s: float = 5.0  # each network check of `hotline doctor` (connect, login, an event)
    # the manager.conf of the Asterisk at ami_host:ami_port, where `hotline doctor` reads the listener user's
    # read classes and event filters (empty: the private Asterisk's, else /etc/asterisk/manager.conf)
    manager_conf_path: str = ""
    # --- softphone: agents answer in the browser over WebRTC (issue #16; README "Browser softphone") ---
    agent_softphone: bool = False  # agents' PJSIP endpoints are WebRTC (DTLS-SRTP, ICE); needs agent_technology = pjsip
    softphone_bind: str = "127.0.0.1"  # Asterisk's HTTP(S)/WebSocket server; 0.0.0.0 for seats on other hosts
    softphone_http_port: int = 8088  # ws:// (plain HTTP): loopback only, browsers allow a microphone on localhost
    softphone_tls: bool = False  # also serve https/wss on softphone_https_port: needed for agents on other hosts
    softphone_https_port: int = 8089
    softphone_cert_file: str = ""  # the operator's PEM certificate (chain); empty: self-signed, made under secrets_dir
    softphone_key_file: str = ""  # its private key
    softphone_ws_url: str = ""  # the URL browsers open; empty: ws(s)://<the panel's host>:<port>/ws
    softphone_external_address: str = ""  # the address agents reach Asterisk at across NAT (SDP and Contact)
    softphone_local_net: list[str] = field(default_factory=list)  # networks needing no NAT rewrite, e.g. 10.0.0.0/8
    softphone_stun_server: str = ""  # host:port for Asterisk's own ICE candidates behind NAT; empty: none
    # TURN (coturn, run by `hotline run`) for browsers with no UDP path to Asterisk; README "Browser softphone"
    softphone_turn: bool = False  # run coturn and give each logged-in agent's phone time-limited TURN credentials
    softphone_turn_bind: str = "127.0.0.1"  # coturn's listening address; the LAN address for real seats
    softphone_turn_port: int = 3478  # UDP and TCP
    softphone_turn_relay_address: str = ""  # the relay's address; empty: softphone_turn_bind, or this host's first
    # global address when that is loopback (Asterisk's ICE offers no loopback candidate)
    softphone_turn_min_port: int = 49152  # coturn's relay ports (UDP), a range of their own
    softphone_turn_max_port: int = 49407
    softphone_turn_url: str = ""  # what browsers are told; empty: turn:<the panel's host>:<port> (udp and tcp)
    softphone_turn_secret: str = ""  # the TURN REST API shared secret; empty: generated in secrets_dir (0600)
    softphone_turn_ttl_s: int = 43200  # how long a credential lasts; the page fetches new ones at half of it
    softphone_turn_realm: str = "hotline"
    softphone_turn_peers: list[str] = field(default_factory=list)  # where the relay may send (Asterisk's media
    # addresses); empty: softphone_bind / softphone_external_address, or 127.0.0.1. Nothing else is relayed.
    # supervisors' browser phones: WebRTC endpoints that are no queue members; a supervisor whose user record
    # has one of these extensions gets the phone on the wallboard, and 监听/耳语/强插 ring it
    softphone_supervisors: list[str] = field(default_factory=list)
    # --- listener: foreign dialplans ----------------------------------------------------------------
    # endpoints (device names as Asterisk dials them, "PJSIP/alice") → the agent they belong to, for
    # dialplans that ring agents' phones with plain Dial() rather than through a queue's members
    agent_endpoints: dict[str, str] = field(default_factory=dict)
    # what a number an agent's phone dials inside the PBX looks like (a regular expression the whole
    # number must match): a phone's own call to any other number went out through a trunk and is an
    # outbound call. Default: feature codes (*8, **8001) and 3-6 digit extensions; Chinese outside
    # numbers are longer (README "Configuration")
    internal_number_pattern: str = r"[*#][0-9*#]*|[0-9]{3,6}"
    # --- the operator's own prompts (issue #18; README "Prompts") -------------------------------------
    prompt_upload_max_s: float = 60.0  # a recording longer than this (without its silence) is refused
    prompts_engine: str = "auto"  # what says a prompt after a revert or a text edit: auto / gtts / espeak
    prompts_follow_interval_s: float = 2.0  # the scheduler re-says prompts a changed service setting names (0: never)

    # --- service settings edited in the panel (hotline/service_settings/, issue 18) ------------------
    # R-FAULT-SLA "special periods": date ranges "YYYY-MM-DD..YYYY-MM-DD" (optionally " HH:MM") whose
    # same-evening cutoff is that time, 24:00 when none is given, instead of fault_same_evening_cutoff
    fault_special_periods: list[str] = field(default_factory=list)
    # the Chinese calendar (chinese-calendar) corrected: extra days off / extra working days, YYYY-MM-DD
    calendar_holidays: list[str] = field(default_factory=list)
    calendar_workdays: list[str] = field(default_factory=list)
    # case categories replacing the case_categories file's, kind by kind: "kind key label" per item…
    case_categories: list[str] = field(default_factory=list)
    # …and R-COMPLAINT-CATEGORIES: "key label" per item replacing the file's complaint categories
    complaint_categories: list[str] = field(default_factory=list)
    service_settings_ttl_s: float = 2.0  # every process re-reads the panel's service settings this often

    def __post_init__(self) -> None:
        self.local_area_code = self.local_area_code.strip()
        if self.local_area_code and not AREA_CODE.fullmatch(self.local_area_code):
            raise SettingsError(f"setting 'local_area_code': {self.local_area_code!r} is no area code: give its "
                                "digits (010, 0755) or leave it empty")

    # --- derived -------------------------------------------------------------------------------
    @property
    def asterisk_dir(self) -> Path:
        return self.runtime_dir / "asterisk"

    @property
    def secrets_dir(self) -> Path:
        return self.runtime_dir / "secrets"

    @property
    def log_dir(self) -> Path:
        return self.runtime_dir / "log"

    @property
    def sounds_dir(self) -> Path:
        """Built prompt audio; the private Asterisk sees it as its ``zh`` sounds."""
        return self.runtime_dir / "sounds" / "zh"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.runtime_dir / 'hotline.db'}"

    def secret(self, name: str) -> str:
        """A secret from its setting, else generated once and kept in secrets_dir (0600).
        An empty secret is refused: Asterisk would let anyone log in with an empty one."""
        explicit = getattr(self, name, "")
        if explicit:
            if not explicit.strip():
                raise SettingsError(f"setting {name!r} is blank: give a secret, or leave it unset to generate one")
            return explicit
        self.secrets_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self.secrets_dir / name
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(16))
        value = path.read_text().strip()
        if not value:
            raise SettingsError(f"secret file {path} is empty: delete it to have a new secret generated, "
                                f"or set HOTLINE_{name.upper()}")
        return value

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


def load(config_file: str | os.PathLike[str] | None = None, env: dict[str, str] | None = None,
         **overrides: Any) -> Settings:
    env = dict(os.environ if env is None else env)
    hints = get_type_hints(Settings)
    names = {f.name for f in dataclasses.fields(Settings)}
    values: dict[str, Any] = {}

    path = config_file or env.get("HOTLINE_CONFIG")
    if path is None and Path("hotline.toml").exists():
        path = "hotline.toml"
    if path:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"config file {path}: {exc}") from exc
        for key, value in data.items():
            if key not in names:
                raise SettingsError(f"config file {path}: unknown setting {key!r}")
            values[key] = coerce(key, hints[key], value, str(path))

    for name in names:
        key = "HOTLINE_" + name.upper()
        if key in env:
            values[name] = coerce(name, hints[name], env[key], f"${key}")

    for key, value in overrides.items():
        if key not in names:
            raise SettingsError(f"unknown setting {key!r}")
        values[key] = coerce(key, hints[key], value, "arguments")
    return Settings(**values)
