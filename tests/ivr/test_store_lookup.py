"""The IVR's caller look-up reads the customer master (issue 14): a VIP calling from any of their
numbers, in any form, is known (R-VIP priority, outage by area); a customer stored before the
master (only ``phone``) still is."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from hotline.customers import CustomerFields, save_customer
from hotline.db import open_db
from hotline.models.ivr import Customer
from hotline.settings import Settings, load
from ivr.store import IvrStore

AT = datetime(2025, 11, 12, 3, 0, tzinfo=UTC)


def _settings(db_url: str, tmp_path) -> Settings:
    return load(env={"HOTLINE_RUNTIME_DIR": str(tmp_path), "HOTLINE_DATABASE_URL": db_url})


def test_a_vip_is_known_by_any_of_their_numbers(db_url: str, tmp_path) -> None:
    s = _settings(db_url, tmp_path)
    _, sessions = open_db(s)
    with sessions() as db:
        save_customer(db, s, CustomerFields(numbers=["13900000021", "+86 139 0000 0022"], name="王伟", vip=True))
        db.add(Customer(phone="021-5555-0001", name="旧客户", vip=True, created_at=AT))  # before the master
        db.commit()
    store = IvrStore(s, sessions)
    try:
        for number in ("13900000022", "+8613900000022", "13900000021"):
            info = asyncio.run(store.lookup(number, AT))
            assert info.vip and info.customer_id is not None, number
        assert asyncio.run(store.lookup("021-5555-0001", AT)).vip
        assert not asyncio.run(store.lookup("13900000099", AT)).vip
    finally:
        store.close()
