"""reports: the register's values at the last save and the curator's reasons for overriding

One JSON column on reports (issue 12 item 5): by item code, the count the register gave when
the form was saved and, where the report's value differs, the curator's reason. Counts and
the curator's text only, never a person's row.

Revision ID: c5d1f0a2e7b4
Revises: c5d1e7a2b9f4
Create Date: 2026-12-02 08:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5d1f0a2e7b4'
down_revision = 'c5d1e7a2b9f4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('register_values', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_column('register_values')
