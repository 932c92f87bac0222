"""derived_indicators: the derived indicators of each form version (issue 11 item 8)

Until now the five derived indicators (coverage, shares, mentor load, programme completion)
were a list in code, shown for every version whose items had their parts. Each version now
holds its own as rows; every existing version gets exactly the standard ones whose parts are
among its items (retired ones too, as before: the pages still filter by the items they show),
so nothing shown changes. The labels are the standard ones in both languages.

Revision ID: e2f4a6c8b0d1
Revises: d7a3e5c1f208
Create Date: 2026-12-02 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e2f4a6c8b0d1'
down_revision = 'd7a3e5c1f208'
branch_labels = None
depends_on = None

# The standard list as it stood (portal.rules.DERIVED): code, ru, en, numerator,
# denominator, scale. Written out so that the migration does not change with the code.
STANDARD = [
    ('mentee_coverage', 'Охват наставляемых', 'Mentee coverage',
     ['mentees'], ['staff_total'], 100),
    ('young_coverage', 'Охват молодых специалистов', 'Young-specialist coverage',
     ['mentees_young'], ['young_specialists'], 100),
    ('mentor_share', 'Доля наставников', 'Mentor share', ['mentors'], ['staff_total'], 100),
    ('mentor_load', 'Нагрузка на наставника (наставляемых на одного наставника)',
     'Mentor load (mentees per mentor)', ['mentees'], ['mentors'], 1),
    ('programme_completion', 'Завершённость программ', 'Programme completion',
     ['programmes_completed'], ['programmes_completed', 'programmes_ended_early'], 100),
]


def upgrade():
    derived = op.create_table(
        'derived_indicators',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('form_version_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('label_ru', sa.String(length=500), nullable=False),
        sa.Column('label_en', sa.String(length=500), nullable=False),
        sa.Column('numerator', sa.JSON(), nullable=False),
        sa.Column('denominator', sa.JSON(), nullable=False),
        sa.Column('scale', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.CheckConstraint('scale IN (1, 100)', name=op.f('ck_derived_indicators_scale')),
        sa.ForeignKeyConstraint(['form_version_id'], ['form_versions.id'],
                                name=op.f('fk_derived_indicators_form_version_id_form_versions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_derived_indicators')),
        sa.UniqueConstraint('form_version_id', 'code', name='uq_derived_indicators_version_code'),
    )
    op.create_index(op.f('ix_derived_indicators_form_version_id'), 'derived_indicators',
                    ['form_version_id'])
    conn = op.get_bind()
    indicators = sa.table('indicators', sa.column('form_version_id', sa.Integer),
                          sa.column('code', sa.String))
    codes: dict[int, set[str]] = {}
    for version_id, code in conn.execute(sa.select(indicators.c.form_version_id,
                                                   indicators.c.code)):
        codes.setdefault(version_id, set()).add(code)
    rows = [dict(form_version_id=version_id, code=code, label_ru=ru, label_en=en,
                 numerator=numerator, denominator=denominator, scale=scale,
                 position=10 * position)
            for version_id, present in sorted(codes.items())
            for position, (code, ru, en, numerator, denominator, scale)
            in enumerate(STANDARD, start=1) if set(numerator) | set(denominator) <= present]
    if rows:
        op.bulk_insert(derived, rows)


def downgrade():
    op.drop_index('ix_derived_indicators_form_version_id', table_name='derived_indicators')
    op.drop_table('derived_indicators')
