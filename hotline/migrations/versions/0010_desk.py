"""desk: agent presence changes (desk_presence), call controls and monitoring uses (desk_controls)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 05:02:03
"""
import sqlalchemy as sa
from alembic import op

import hotline.models.base

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('desk_controls',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('server', sa.String(length=64), nullable=False),
    sa.Column('at', hotline.models.base.UTCDateTime(), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('agent', sa.String(length=64), nullable=False),
    sa.Column('call_id', sa.String(length=64), nullable=False),
    sa.Column('control', sa.String(length=24), nullable=False),
    sa.Column('detail', sa.String(length=255), nullable=True),
    sa.Column('outcome', sa.String(length=24), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('desk_controls', schema=None) as batch_op:
        batch_op.create_index('ix_desk_controls_call', ['server', 'call_id'], unique=False)
        batch_op.create_index('ix_desk_controls_control_at', ['server', 'control', 'at'], unique=False)

    op.create_table('desk_presence',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('server', sa.String(length=64), nullable=False),
    sa.Column('agent', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=64), nullable=True),
    sa.Column('previous', sa.String(length=16), nullable=True),
    sa.Column('started_at', hotline.models.base.UTCDateTime(), nullable=False),
    sa.Column('ended_at', hotline.models.base.UTCDateTime(), nullable=True),
    sa.Column('by', sa.String(length=64), nullable=False),
    sa.Column('forced', sa.Boolean(), nullable=False),
    sa.Column('call_id', sa.String(length=64), nullable=True),
    sa.Column('wrapup_until', hotline.models.base.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('desk_presence', schema=None) as batch_op:
        batch_op.create_index('ix_desk_presence_agent', ['server', 'agent', 'started_at'], unique=False)
        batch_op.create_index('ix_desk_presence_open', ['server', 'ended_at', 'state'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('desk_presence', schema=None) as batch_op:
        batch_op.drop_index('ix_desk_presence_open')
        batch_op.drop_index('ix_desk_presence_agent')

    op.drop_table('desk_presence')
    with op.batch_alter_table('desk_controls', schema=None) as batch_op:
        batch_op.drop_index('ix_desk_controls_control_at')
        batch_op.drop_index('ix_desk_controls_call')

    op.drop_table('desk_controls')
