"""mentoring: the signed consent files, and two more kinds of the personal-data access log

The consent to personal-data processing as a file of the documents store, one per
participant (portal/mentoring/consent.py); the access log records its downloads and the
register's XLSX exports. Person-level rows: read only by the organization's curator and head.

Revision ID: 6101f63765bd
Revises: 37c65ff36ca5
Create Date: 2026-12-02 04:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6101f63765bd'
down_revision = '37c65ff36ca5'
branch_labels = None
depends_on = None

_OLD_KINDS = ('register', 'participant', 'pairs', 'pair')
_NEW_KINDS = _OLD_KINDS + ('consent_file', 'register_export')


def _kind(values):
    return sa.Enum(*values, name='access_kind', native_enum=False, create_constraint=True,
                   length=20)


def _set_kinds(old, new):
    # The CHECK constraint of the enum is replaced (SQLite: by copying the table).
    with op.batch_alter_table('personal_data_accesses', recreate='always') as batch_op:
        batch_op.alter_column('kind', existing_type=_kind(old), type_=_kind(new),
                              existing_nullable=False)


def upgrade():
    op.create_table('mentoring_consent_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('storage_name', sa.String(length=255), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_mentoring_consent_files_organization_id_organizations')),
    sa.ForeignKeyConstraint(['participant_id'], ['mentoring_participants.id'], name=op.f('fk_mentoring_consent_files_participant_id_mentoring_participants')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_mentoring_consent_files_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentoring_consent_files')),
    sa.UniqueConstraint('participant_id', name=op.f('uq_mentoring_consent_files_participant_id'))
    )
    with op.batch_alter_table('mentoring_consent_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentoring_consent_files_organization_id'), ['organization_id'], unique=False)
    _set_kinds(_OLD_KINDS, _NEW_KINDS)


def downgrade():
    op.execute(sa.text("DELETE FROM personal_data_accesses "
                       "WHERE kind IN ('consent_file', 'register_export')"))
    _set_kinds(_NEW_KINDS, _OLD_KINDS)
    with op.batch_alter_table('mentoring_consent_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mentoring_consent_files_organization_id'))
    op.drop_table('mentoring_consent_files')
