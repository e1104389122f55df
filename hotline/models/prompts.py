"""The prompts' history (#18): every audio a prompt was given — an upload, a revert to speech, a
text edit, a restore — with who and when, and the file kept for a later restore
(hotline.prompt_library.library)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.models.base import Base, BigId

__all__ = ["PromptVersion"]


class PromptVersion(Base):
    __tablename__ = "prompt_versions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    prompt_id: Mapped[str] = mapped_column(String(64), index=True)  # "welcome", "digits/3"
    action: Mapped[str] = mapped_column(String(16))  # hotline.vocabulary.PromptAction
    source: Mapped[str] = mapped_column(String(16))  # engine of the audio: gtts / espeak / recording
    text: Mapped[str] = mapped_column(Text)  # what the prompt was to say (rendered) when it became current
    audio_file: Mapped[str] = mapped_column(String(200))  # under the versions dir; shared by a text edit
    seconds: Mapped[float] = mapped_column(Float)
    upload_name: Mapped[str | None] = mapped_column(String(255))  # the uploaded file's own name
    restored_from: Mapped[int | None] = mapped_column(BigId)  # the version a restore brought back
    entry: Mapped[dict[str, Any]]  # the manifest entry it made (hotline.prompt_library.manifest)
    made_by: Mapped[str] = mapped_column(String(100))
    made_at: Mapped[datetime]
