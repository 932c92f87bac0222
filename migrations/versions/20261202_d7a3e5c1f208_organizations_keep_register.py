"""organizations: whether the organization keeps its register in the portal

One boolean on the organization's row (issue 9 item 2: the curator's deadline flow in at
most 30 statements): the report form reads it with the row the URL loads instead of asking
the register with an EXISTS in every request. Set for organizations that have anybody in
their register already.

Revision ID: d7a3e5c1f208
Revises: c5d1f0a2e7b4
Create Date: 2026-12-02 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd7a3e5c1f208'
down_revision = 'c5d1f0a2e7b4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('keeps_register', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.execute("UPDATE organizations SET keeps_register = TRUE WHERE EXISTS ("
               "SELECT 1 FROM mentoring_participants p WHERE p.organization_id = organizations.id)")


def downgrade():
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_column('keeps_register')
