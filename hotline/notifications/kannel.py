"""The default SMS gateway: Kannel's ``sendsms`` HTTP interface on ``smsbox``.

Chinese text goes as UTF-8 with ``charset=UTF-8&coding=2``: Kannel converts it to UCS-2 for the
SMSC (coding 2 = UCS-2; 7-bit GSM has no Chinese). Delivery reports are asked for (``dlr-mask``
31: every state) at ``sms_dlr_url`` with our message id and reference, and Kannel's own message id
(``%I``), so the panel's route can call :func:`hotline.notifications.outbox.record_delivery_report`.
``sendsms`` answers no message id of its own: ours is the reference in the report URL.
"""

from __future__ import annotations

import http.client
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from hotline.callbacks.numbers import dial_digits
from hotline.notifications.provider import Outcome, OutgoingSms, SendResult
from hotline.settings import Settings

# every report type: delivered / undelivered to the phone, buffered, SMSC accepted / rejected
DLR_MASK_ALL = 31


@dataclass
class KannelProvider:
    url: str
    username: str
    password: str
    sender: str
    dlr_url: str = ""
    smsc_id: str = ""
    timeout_s: float = 10.0
    region: str = "CN"
    name: str = "kannel"

    @classmethod
    def from_settings(cls, s: Settings) -> KannelProvider:
        return cls(url=s.kannel_sendsms_url, username=s.kannel_username, password=s.secret("kannel_password"),
                   sender=s.sms_sender_id or s.hotline_number, dlr_url=s.sms_dlr_url, smsc_id=s.kannel_smsc_id,
                   timeout_s=s.sms_http_timeout_s, region=s.phone_region)

    def query(self, sms: OutgoingSms) -> str:
        params = {"username": self.username, "password": self.password, "from": self.sender,
                  "to": dial_digits(sms.to, self.region), "text": sms.text, "charset": "UTF-8", "coding": "2"}
        if self.smsc_id:
            params["smsc"] = self.smsc_id
        if self.dlr_url:
            sep = "&" if "?" in self.dlr_url else "?"
            # %d, %I, %T: Kannel fills in the report type, its message id and the time
            params["dlr-mask"] = str(DLR_MASK_ALL)
            params["dlr-url"] = f"{self.dlr_url}{sep}id={sms.message_id}&ref={sms.ref}&type=%d&kid=%I&ts=%T"
        return urlencode(params)

    def send(self, sms: OutgoingSms) -> SendResult:
        parts = urlsplit(self.url)
        conn_cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        conn = conn_cls(parts.hostname or "127.0.0.1", parts.port, timeout=self.timeout_s)
        try:
            try:
                conn.connect()
            except OSError as exc:  # refused, unreachable, connect timeout: nothing went out
                return SendResult(Outcome.NOT_SENT, detail=f"cannot reach Kannel at {self.url}: {exc}")
            try:
                conn.request("GET", f"{parts.path or '/'}?{self.query(sms)}")
                resp = conn.getresponse()
                body = resp.read().decode("utf-8", "replace").strip()
            except (TimeoutError, OSError, http.client.HTTPException) as exc:
                return SendResult(Outcome.UNKNOWN, detail=f"no answer from Kannel after sending: {exc}")
        finally:
            conn.close()
        return _verdict(resp.status, body)


def _verdict(status: int, body: str) -> SendResult:
    if status in (200, 202):  # "0: Accepted for delivery" (queued) / "Sent."
        return SendResult(Outcome.ACCEPTED, detail=body)
    if status in (408, 429) or status >= 500:  # 503 "Temporal failure": bearerbox away
        return SendResult(Outcome.NOT_SENT, detail=f"Kannel {status}: {body}")
    return SendResult(Outcome.REJECTED, detail=f"Kannel {status}: {body}")
