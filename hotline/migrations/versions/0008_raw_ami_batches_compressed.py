"""raw AMI batches kept as LZ4-compressed bytes

Revision ID: 0008
Revises: 0005
Create Date: 2026-11-22 09:20:00

Batches already stored are converted, not dropped: the raw events are what calls are rebuilt from.
"""
import hashlib
from collections.abc import Callable
from typing import Any

import lz4.frame
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0005'
branch_labels = None
depends_on = None

_batches = sa.table('ami_event_batches', sa.column('id', sa.Integer), sa.column('raw', sa.Text),
                    sa.column('raw_lz4', sa.LargeBinary), sa.column('digest', sa.String))


def _convert(read: str, change: Callable[[Any], dict[str, Any]]) -> None:
    conn = op.get_bind()
    last = 0
    while True:  # a few hundred rows at a time: the table may hold gigabytes
        rows = conn.execute(sa.select(_batches.c.id, _batches.c[read]).where(_batches.c.id > last)
                            .order_by(_batches.c.id).limit(200)).all()
        if not rows:
            return
        for pk, value in rows:
            conn.execute(_batches.update().where(_batches.c.id == pk).values(change(value)))
        last = rows[-1][0]


def _pack(text: str) -> dict:
    # the digest becomes the packed bytes' (ami_listener/store.py), so a batch stored again is still known
    packed = lz4.frame.compress(text.encode('utf-8', 'surrogatepass'))
    return {'raw_lz4': packed, 'digest': hashlib.sha1(packed).hexdigest()}


def _unpack(packed: bytes) -> dict:
    text = lz4.frame.decompress(packed).decode('utf-8', 'replace')
    return {'raw': text, 'digest': hashlib.sha1(text.encode('utf-8', 'surrogatepass')).hexdigest()}


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


# On SQLite, plain ALTER TABLE: batch mode would copy and DROP the table, and with foreign keys on
# that DROP deletes every ami_event_calls row through ON DELETE CASCADE.
def upgrade() -> None:
    if _sqlite():
        op.execute("ALTER TABLE ami_event_batches ADD COLUMN raw_lz4 BLOB NOT NULL DEFAULT x''")
    else:
        op.add_column('ami_event_batches', sa.Column('raw_lz4', sa.LargeBinary(), nullable=True))
    _convert('raw', _pack)
    if not _sqlite():
        op.alter_column('ami_event_batches', 'raw_lz4', existing_type=sa.LargeBinary(), nullable=False)
    op.execute("ALTER TABLE ami_event_batches DROP COLUMN raw")


def downgrade() -> None:
    if _sqlite():
        op.execute("ALTER TABLE ami_event_batches ADD COLUMN raw TEXT NOT NULL DEFAULT ''")
    else:
        op.add_column('ami_event_batches', sa.Column('raw', sa.Text(), nullable=True))
    _convert('raw_lz4', _unpack)
    if not _sqlite():
        op.alter_column('ami_event_batches', 'raw', existing_type=sa.Text(), nullable=False)
    op.execute("ALTER TABLE ami_event_batches DROP COLUMN raw_lz4")
