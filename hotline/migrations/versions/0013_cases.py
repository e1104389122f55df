"""cases (工单) with their calls, follow-ups and history; the customer master (more numbers,
area type); the shift handover log

Revision ID: 0013
Revises: 0009
Create Date: 2026-12-05 05:25:08

Existing customers keep their rows; their main number (phone) stays the one the IVR matches.
"""
import sqlalchemy as sa
from alembic import op

import hotline.models

revision = '0013'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    """One create_table per table, as Alembic generated them: long, and read table by table."""
    op.create_table('handovers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('opened_by', sa.String(length=64), nullable=False),
    sa.Column('opened_at', hotline.models.base.UTCDateTime(), nullable=False),
    sa.Column('matters', sa.JSON(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('acknowledged_by', sa.String(length=64), nullable=True),
    sa.Column('acknowledged_at', hotline.models.base.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('cases',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('address', sa.String(length=255), nullable=True),
    sa.Column('number', sa.String(length=32), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('first_call_resolved', sa.Boolean(), nullable=True),
    sa.Column('due_at', hotline.models.base.UTCDateTime(), nullable=True),
    sa.Column('owner', sa.String(length=64), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', hotline.models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', hotline.models.base.UTCDateTime(), nullable=False),
    sa.Column('closed_at', hotline.models.base.UTCDateTime(), nullable=True),
    sa.Column('revisited_at', hotline.models.base.UTCDateTime(), nullable=True),
    sa.Column('complaint_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('fault_report_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('receipt_due', sa.Boolean(), nullable=False),
    sa.Column('receipt_sent_at', hotline.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['fault_report_id'], ['fault_reports.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_kind_created', ['kind', 'created_at'], unique=False)
        batch_op.create_index('ix_cases_number_status', ['number', 'status'], unique=False)
        batch_op.create_index('ix_cases_owner_status', ['owner', 'status'], unique=False)
        batch_op.create_index('ix_cases_status_due', ['status', 'due_at'], unique=False)

    op.create_table('customer_numbers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    with op.batch_alter_table('customer_numbers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_numbers_customer_id'), ['customer_id'], unique=False)

    op.create_table('case_calls',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('server', sa.String(length=64), nullable=False),
    sa.Column('call_id', sa.String(length=64), nullable=False),
    sa.Column('linked_at', hotline.models.base.UTCDateTime(), nullable=False),
    sa.Column('linked_by', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'server', 'call_id', name='uq_case_calls_case_call')
    )
    with op.batch_alter_table('case_calls', schema=None) as batch_op:
        batch_op.create_index('ix_case_calls_call', ['server', 'call_id'], unique=False)

    op.create_table('case_follow_ups',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('ref', sa.String(length=64), nullable=False),
    sa.Column('at', hotline.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'ref', name='uq_case_follow_ups_kind_ref')
    )
    with op.batch_alter_table('case_follow_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_follow_ups_case_id'), ['case_id'], unique=False)

    op.create_table('case_history',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', hotline.models.base.UTCDateTime(), nullable=False),
    sa.Column('by', sa.String(length=64), nullable=True),
    sa.Column('field', sa.String(length=32), nullable=False),
    sa.Column('old', sa.Text(), nullable=True),
    sa.Column('new', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('case_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_history_case_id'), ['case_id'], unique=False)

    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('area_type', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('updated_at', hotline.models.base.UTCDateTime(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
        batch_op.drop_column('area_type')

    with op.batch_alter_table('case_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_history_case_id'))

    op.drop_table('case_history')
    with op.batch_alter_table('case_follow_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_follow_ups_case_id'))

    op.drop_table('case_follow_ups')
    with op.batch_alter_table('case_calls', schema=None) as batch_op:
        batch_op.drop_index('ix_case_calls_call')

    op.drop_table('case_calls')
    with op.batch_alter_table('customer_numbers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_numbers_customer_id'))

    op.drop_table('customer_numbers')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_status_due')
        batch_op.drop_index('ix_cases_owner_status')
        batch_op.drop_index('ix_cases_number_status')
        batch_op.drop_index('ix_cases_kind_created')

    op.drop_table('cases')
    op.drop_table('handovers')
