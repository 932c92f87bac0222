"""region time zone: each region's "today" and deadlines are in its own IANA time zone

A report is on time when it is first submitted before the end of the deadline day in the
region's time. Existing regions get Europe/Moscow, the zone the portal used until now.
Declared on Region in tenants/models.py.

Revision ID: 46281ff52b90
Revises: 3c9e2b7d41a6
Create Date: 2026-12-01 22:00:33.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '46281ff52b90'
down_revision = '3c9e2b7d41a6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=False,
                                      server_default='Europe/Moscow'))


def downgrade():
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.drop_column('timezone')
