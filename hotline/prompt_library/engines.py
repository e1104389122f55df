"""Text-to-speech engines. An engine turns one zh-CN text into an audio file sox can read.

The builder only knows the :class:`Engine` protocol, so a better offline voice can be added
later as one more class here.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from hotline.settings import Settings

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

_ZH_DIGITS = "零一二三四五六七八九"


DEFAULT_ESPEAK_WPM = 175  # espeak-ng's own default speed


class EngineError(RuntimeError):
    """This engine could not render this text (or is not usable at all)."""


class Engine(Protocol):
    name: str  # short, stable: goes into the cache key and the build summary
    voice: str  # shown in the manifest
    variant: str  # goes into the cache key: the voice and whatever else changes the sound

    def probe(self) -> str | None:
        """None when usable, else why not. Called once per build."""

    def synthesize(self, text: str, workdir: Path) -> Path:
        """Render text; returns the audio file written inside workdir. Raises EngineError."""


class EspeakEngine:
    """espeak-ng, offline. Voice cmn-latn-pinyin: the plain cmn voice reads tone digits in English."""

    name = "espeak"

    def __init__(self, voice: str = "cmn-latn-pinyin", binary: str = "espeak-ng", timeout_s: float = 60,
                 speed_wpm: int = DEFAULT_ESPEAK_WPM):
        self.voice, self.binary, self.timeout_s = voice, binary, timeout_s
        self.speed_wpm = speed_wpm
        # prompts made at espeak's own speed keep the key they always had
        self.variant = voice if speed_wpm == DEFAULT_ESPEAK_WPM else f"{voice} {speed_wpm} wpm"

    def probe(self) -> str | None:
        if not shutil.which(self.binary):
            return f"{self.binary} is not installed"
        out = subprocess.run([self.binary, "--voices=cmn"], capture_output=True, text=True).stdout
        if self.voice not in out.split():
            return f"{self.binary} has no voice {self.voice!r}"
        return None

    @staticmethod
    def speakable(text: str) -> str:
        """Arabic digits become hanzi, one by one: espeak's Mandarin reads "30" in another language."""
        return "".join(_ZH_DIGITS[int(c)] if c.isascii() and c.isdigit() else c for c in text)

    def synthesize(self, text: str, workdir: Path) -> Path:
        out = workdir / "espeak.wav"
        try:
            proc = subprocess.run([self.binary, "-v", self.voice, "-s", str(self.speed_wpm), "-w", str(out), "--",
                                   self.speakable(text)],
                                  capture_output=True, text=True, timeout=self.timeout_s)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise EngineError(f"espeak-ng: {exc}") from exc
        if proc.returncode != 0 or not out.exists() or out.stat().st_size <= 44:
            raise EngineError(f"espeak-ng failed ({proc.returncode}): {proc.stderr.strip()}")
        return out



class _Speech(Protocol):
    """What the build needs of a gTTS object (gtts ships no types)."""

    def save(self, savefile: Path) -> None: ...


class GttsEngine:
    """Google Translate's speech (gTTS), when the endpoint answers. Always with a timeout: gTTS's
    default of None hangs forever on an endpoint that accepts the connection but never answers."""

    name = "gtts"

    def __init__(self, url: str, lang: str = "zh-CN", timeout_s: float = 10.0, probe_timeout_s: float = 3.0):
        self.url, self.lang = url, lang
        self.timeout_s, self.probe_timeout_s = timeout_s, probe_timeout_s
        self.voice = self.variant = lang

    def _tts(self, text: str, timeout_s: float) -> _Speech:
        from gtts import gTTS  # imported late: only builds that use it pay for requests

        url = self.url

        class _At(gTTS):
            """gTTS with the endpoint from settings (it only lets one choose the tld)."""

            def _prepare_requests(self) -> list[requests.PreparedRequest]:
                import requests

                parts = self._tokenize(self.text)
                assert parts, "No text to send to TTS API"
                return [requests.Request(method="POST", url=url, data=self._package_rpc(part),
                                         headers=self.GOOGLE_TTS_HEADERS).prepare() for part in parts]

        return _At(text, lang=self.lang, lang_check=False, timeout=timeout_s)

    def _fetch(self, text: str, out: Path, timeout_s: float) -> None:
        try:
            self._tts(text, timeout_s).save(out)
        except Exception as exc:  # any failure of a network engine means: fall back, not crash the build
            out.unlink(missing_ok=True)
            # gTTS hides the cause ("Failed to connect"); the requests error says timeout vs refused
            cause = exc.__cause__ or exc.__context__
            detail = f" ({type(cause).__name__})" if cause is not None else ""
            raise EngineError(f"gTTS at {self.url}: {exc}{detail}") from exc
        if not out.exists() or out.stat().st_size == 0:
            raise EngineError(f"gTTS at {self.url}: empty answer")

    def probe(self) -> str | None:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            try:
                self._fetch("您好", Path(tmp) / "probe.mp3", self.probe_timeout_s)
            except EngineError as exc:
                return str(exc)
        return None

    def synthesize(self, text: str, workdir: Path) -> Path:
        out = workdir / "gtts.mp3"
        self._fetch(text, out, self.timeout_s)
        return out


def engines_for(s: Settings) -> dict[str, Engine]:
    """Every engine by name, best first."""
    return {
        "gtts": GttsEngine(s.gtts_url, s.gtts_lang, s.gtts_timeout_s, s.gtts_probe_timeout_s),
        "espeak": EspeakEngine(s.espeak_voice, speed_wpm=s.espeak_speed_wpm),
    }
