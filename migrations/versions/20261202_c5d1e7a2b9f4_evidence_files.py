"""evidence items: a report value may hold a file of the documents store or a version of the
organization's register; a region chooses the document kinds of its presence checklist

Revision ID: c5d1e7a2b9f4
Revises: 8e4b2c6d9f13
Create Date: 2026-12-02 08:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5d1e7a2b9f4'
down_revision = '8e4b2c6d9f13'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('report_values', schema=None) as batch_op:
        batch_op.add_column(sa.Column('storage_name', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('filename', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('content_type', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('size', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('document_version_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_report_values_document_version_id_document_versions'),
            'document_versions', ['document_version_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('presence_document_kinds', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.drop_column('presence_document_kinds')
    with op.batch_alter_table('report_values', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_report_values_document_version_id_document_versions'),
            type_='foreignkey')
        for column in ('document_version_id', 'sha256', 'size', 'content_type', 'filename',
                       'storage_name'):
            batch_op.drop_column(column)
