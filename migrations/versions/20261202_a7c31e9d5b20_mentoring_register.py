"""mentoring register: participants, pairs and groups, and the personal-data access log

The internal contour of issue 12 (portal/mentoring/models.py). Person-level rows are
read only by the organization's curator and head (tenants/personal.py).

Revision ID: a7c31e9d5b20
Revises: 46281ff52b90
Create Date: 2026-12-02 01:42:14.053670

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c31e9d5b20'
down_revision = '46281ff52b90'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mentoring_pairs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('form', sa.Enum('teacher_teacher', 'head_teacher', 'employer_student', 'lecturer_young', 'partner_teacher', 'student_student', 'teacher_student', name='mentoring_form', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('type', sa.Enum('virtual', 'group', 'short_term', 'reverse', 'situational', 'speed', 'traditional', name='mentoring_type', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('planned_end_on', sa.Date(), nullable=True),
    sa.Column('order_number', sa.String(length=100), nullable=False),
    sa.Column('order_date', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('active', 'completed', 'ended_early', name='pair_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('ended_by', sa.Enum('mentor', 'mentee', 'organization', name='pair_initiator', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('end_reason', sa.String(length=2000), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('planned_end_on IS NULL OR planned_end_on >= starts_on', name=op.f('ck_mentoring_pairs_planned_end_after_start')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_mentoring_pairs_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentoring_pairs'))
    )
    with op.batch_alter_table('mentoring_pairs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentoring_pairs_organization_id'), ['organization_id'], unique=False)

    op.create_table('mentoring_participants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('full_name', sa.String(length=255), nullable=False),
    sa.Column('position', sa.String(length=255), nullable=False),
    sa.Column('education', sa.String(length=500), nullable=False),
    sa.Column('experience_years', sa.Integer(), nullable=True),
    sa.Column('qualification', sa.Enum('none', 'conformity', 'first', 'highest', 'methodist', 'mentor', name='qualification', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('role', sa.Enum('mentor', 'mentee', 'both', name='participant_role', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('mentee_category', sa.Enum('young', 'new_technology', 'new_in_team', 'non_pedagogical', name='mentee_category', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('consent_on', sa.Date(), nullable=True),
    sa.Column('consent_withdrawn_on', sa.Date(), nullable=True),
    sa.Column('anonymized_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_mentoring_participants_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentoring_participants'))
    )
    with op.batch_alter_table('mentoring_participants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentoring_participants_organization_id'), ['organization_id'], unique=False)

    op.create_table('personal_data_accesses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('kind', sa.Enum('register', 'participant', 'pairs', 'pair', name='access_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_personal_data_accesses_organization_id_organizations')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_personal_data_accesses_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_personal_data_accesses'))
    )
    with op.batch_alter_table('personal_data_accesses', schema=None) as batch_op:
        batch_op.create_index('ix_personal_data_accesses_org_at', ['organization_id', 'at'], unique=False)

    op.create_table('mentoring_pair_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('pair_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('side', sa.Enum('mentor', 'mentee', name='pair_side', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_mentoring_pair_members_organization_id_organizations')),
    sa.ForeignKeyConstraint(['pair_id'], ['mentoring_pairs.id'], name=op.f('fk_mentoring_pair_members_pair_id_mentoring_pairs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['participant_id'], ['mentoring_participants.id'], name=op.f('fk_mentoring_pair_members_participant_id_mentoring_participants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentoring_pair_members')),
    sa.UniqueConstraint('pair_id', 'participant_id', name=op.f('uq_mentoring_pair_members_pair_id_participant_id'))
    )
    with op.batch_alter_table('mentoring_pair_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentoring_pair_members_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mentoring_pair_members_participant_id'), ['participant_id'], unique=False)



def downgrade():
    with op.batch_alter_table('mentoring_pair_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mentoring_pair_members_participant_id'))
        batch_op.drop_index(batch_op.f('ix_mentoring_pair_members_organization_id'))

    op.drop_table('mentoring_pair_members')
    with op.batch_alter_table('personal_data_accesses', schema=None) as batch_op:
        batch_op.drop_index('ix_personal_data_accesses_org_at')

    op.drop_table('personal_data_accesses')
    with op.batch_alter_table('mentoring_participants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mentoring_participants_organization_id'))

    op.drop_table('mentoring_participants')
    with op.batch_alter_table('mentoring_pairs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mentoring_pairs_organization_id'))

    op.drop_table('mentoring_pairs')
