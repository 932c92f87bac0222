"""session generations: server-side revocation of sessions and set-password links

``users.session_generation`` is stored in every session and compared on each request;
bumping it (logout, password change, deactivation, role change) ends every session of the
account. ``users.link_generation`` is bound into set-password links; each new link bumps
it and so voids the older ones. Declared on User in portal/auth/models.py.

Revision ID: 3c9e2b7d41a6
Revises: f1655af1b323
Create Date: 2026-12-01 22:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c9e2b7d41a6'
down_revision = 'f1655af1b323'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('link_generation', sa.Integer(), server_default='0',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('link_generation')
        batch_op.drop_column('session_generation')
