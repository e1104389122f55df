"""Service settings the supervisor edits in the panel (issue 18): one row per key that overrides the
file settings, and every change kept (who, when, old → new). Values are JSON text in the form
``hotline.service_settings.fields`` defines for the key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from hotline.models.base import Base, BigId

__all__ = ["ServiceSetting", "ServiceSettingChange"]


class ServiceSetting(Base):
    __tablename__ = "service_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # a Settings field name
    value: Mapped[str] = mapped_column(Text)  # JSON
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(64))


class ServiceSettingChange(Base):
    __tablename__ = "service_setting_changes"
    __table_args__ = (Index("ix_service_setting_changes_at", "changed_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64))
    old_value: Mapped[str] = mapped_column(Text)  # JSON: the value in force before (file's or database's)
    new_value: Mapped[str] = mapped_column(Text)  # JSON
    changed_at: Mapped[datetime]
    changed_by: Mapped[str] = mapped_column(String(64))
    # the change reverted the key to the file's value (its row removed): it follows hotline.toml again
    to_file: Mapped[bool] = mapped_column(default=False, server_default=false())
