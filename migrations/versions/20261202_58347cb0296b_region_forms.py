"""region-owned forms: forms, their versions, items and rules per version, periods per form

Issue 11. The one global catalogue becomes each existing region's quarterly form (code
``quarterly``, version 1, frozen): the first region keeps the existing indicator and rule
rows, every other region gets copies, and its report values are repointed to them, so
every stored value and its history stay. A national template (no region) is built from
portal/catalogue/standard.py; in a database without regions the existing rows are the
template. The ``jump_from_previous`` rule's threshold fills the form's ``jump_relative``
(``jump_absolute`` 5); the rule row stays.

Revision ID: 58347cb0296b
Revises: a7c31e9d5b20
Create Date: 2026-12-02 04:30:00

"""
import calendar
from datetime import date, datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = '58347cb0296b'
down_revision = 'a7c31e9d5b20'
branch_labels = None
depends_on = None

KINDS = ('count', 'percent', 'score', 'number', 'yes_no', 'evidence', 'text', 'date')
PERIODICITIES = ('quarter', 'half_year', 'school_year', 'calendar_year', 'one_off')
ALL_TYPES = ['school', 'kindergarten', 'college', 'additional']
NAME_RU = 'Ежеквартальный мониторинг реализации целевой модели наставничества'
NAME_EN = 'Quarterly monitoring of the target model of mentoring'
ITEM_COLUMNS = ('code', 'label_ru', 'label_en', 'kind', 'unit_ru', 'unit_en', 'section',
                'position', 'applies_to', 'type_labels', 'breakdown', 'min_value', 'max_value',
                'retired_at', 'created_at', 'scale')
RULE_COLUMNS = ('code', 'kind', 'severity', 'left', 'operator', 'right', 'factor', 'threshold',
                'message_ru', 'message_en', 'active')

forms = sa.table('forms', sa.column('id', sa.Integer), sa.column('region_id', sa.Integer),
                 sa.column('code', sa.String), sa.column('name_ru', sa.String),
                 sa.column('name_en', sa.String), sa.column('periodicity', sa.String),
                 sa.column('applies_to', sa.JSON), sa.column('jump_relative', sa.Numeric),
                 sa.column('jump_absolute', sa.Numeric), sa.column('created_at', sa.DateTime))
versions = sa.table('form_versions', sa.column('id', sa.Integer), sa.column('form_id', sa.Integer),
                    sa.column('number', sa.Integer), sa.column('frozen_at', sa.DateTime),
                    sa.column('created_at', sa.DateTime))
TYPES = {'applies_to': sa.JSON, 'type_labels': sa.JSON, 'left': sa.JSON, 'right': sa.JSON,
         'position': sa.Integer, 'scale': sa.Integer, 'min_value': sa.Numeric(14, 4),
         'max_value': sa.Numeric(14, 4), 'factor': sa.Numeric(10, 4),
         'threshold': sa.Numeric(10, 4), 'retired_at': sa.DateTime, 'created_at': sa.DateTime,
         'active': sa.Boolean}
indicators = sa.table('indicators', sa.column('id', sa.Integer),
                      sa.column('form_version_id', sa.Integer), sa.column('unit', sa.String),
                      *(sa.column(c, TYPES.get(c, sa.String)) for c in ITEM_COLUMNS))
rules = sa.table('validation_rules', sa.column('id', sa.Integer),
                 sa.column('form_version_id', sa.Integer),
                 *(sa.column(c, TYPES.get(c, sa.String)) for c in RULE_COLUMNS))
periods = sa.table('periods', sa.column('id', sa.Integer), sa.column('region_id', sa.Integer),
                   sa.column('year', sa.Integer), sa.column('quarter', sa.Integer),
                   sa.column('form_id', sa.Integer), sa.column('form_version_id', sa.Integer),
                   sa.column('starts_on', sa.Date), sa.column('ends_on', sa.Date))


def _enum(name, members):
    return sa.Enum(*members, name=name, native_enum=False, create_constraint=True, length=20)


def upgrade():
    op.create_table('forms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name_ru', sa.String(length=500), nullable=False),
    sa.Column('name_en', sa.String(length=500), nullable=False),
    sa.Column('periodicity', _enum('form_periodicity', PERIODICITIES), nullable=False),
    sa.Column('applies_to', sa.JSON(), nullable=False),
    sa.Column('jump_relative', sa.Numeric(precision=10, scale=4), nullable=True),
    sa.Column('jump_absolute', sa.Numeric(precision=14, scale=4), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_forms_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forms')),
    sa.UniqueConstraint('region_id', 'code', name='uq_forms_region_code')
    )
    with op.batch_alter_table('forms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forms_region_id'), ['region_id'], unique=False)
    op.create_table('form_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('frozen_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['form_id'], ['forms.id'], name=op.f('fk_form_versions_form_id_forms')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_versions')),
    sa.UniqueConstraint('form_id', 'number', name='uq_form_versions_number')
    )
    with op.batch_alter_table('form_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_versions_form_id'), ['form_id'], unique=False)

    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form_version_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('kind', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('unit_ru', sa.String(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('unit_en', sa.String(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('help_ru', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('help_en', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('required', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('scale', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('presence', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('document_kind', sa.String(length=32), nullable=True))
        batch_op.alter_column('section', existing_type=sa.String(length=32),
                              type_=sa.String(length=200), existing_nullable=False)
        batch_op.drop_constraint('uq_indicators_code', type_='unique')
    with op.batch_alter_table('validation_rules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form_version_id', sa.Integer(), nullable=True))
        batch_op.drop_constraint('uq_validation_rules_code', type_='unique')
    with op.batch_alter_table('periods', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('form_version_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('starts_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('ends_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('title', sa.String(length=200), nullable=True))
        batch_op.drop_constraint('uq_periods_region_quarter', type_='unique')

    with op.batch_alter_table('report_values', schema=None) as batch_op:
        # A text item's answer is kept as typed, like every value (portal/reports/values.py).
        batch_op.alter_column('raw', existing_type=sa.String(length=64),
                              type_=sa.String(length=2000), existing_nullable=False)
    _move_the_catalogue_into_forms(op.get_bind())
    _constrain()
    if op.get_bind().dialect.name == 'sqlite':  # rebuilt with the references unchecked
        broken = op.get_bind().exec_driver_sql('PRAGMA foreign_key_check').all()
        if broken:
            raise RuntimeError(f'references broken by the rebuild: {broken[:5]}')


def _constrain():
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.alter_column('form_version_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('kind', existing_type=sa.String(length=20),
                              type_=_enum('item_kind', KINDS), nullable=False)
        batch_op.create_unique_constraint('uq_indicators_version_code', ['form_version_id', 'code'])
        batch_op.create_foreign_key(batch_op.f('fk_indicators_form_version_id_form_versions'),
                                    'form_versions', ['form_version_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_indicators_form_version_id'), ['form_version_id'], unique=False)
        batch_op.drop_constraint(batch_op.f('ck_indicators_indicator_unit'), type_='check')
        batch_op.drop_column('unit')
    with op.batch_alter_table('validation_rules', schema=None) as batch_op:
        batch_op.alter_column('form_version_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint('uq_validation_rules_version_code', ['form_version_id', 'code'])
        batch_op.create_foreign_key(batch_op.f('fk_validation_rules_form_version_id_form_versions'),
                                    'form_versions', ['form_version_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_validation_rules_form_version_id'), ['form_version_id'], unique=False)
    with op.batch_alter_table('periods', schema=None) as batch_op:
        for column in ('form_id', 'form_version_id'):
            batch_op.alter_column(column, existing_type=sa.Integer(), nullable=False)
        for column in ('starts_on', 'ends_on'):
            batch_op.alter_column(column, existing_type=sa.Date(), nullable=False)
        for column in ('year', 'quarter'):
            batch_op.alter_column(column, existing_type=sa.Integer(), nullable=True)
        batch_op.create_unique_constraint('uq_periods_form_dates', ['form_id', 'starts_on', 'ends_on'])
        batch_op.create_check_constraint('ends_after_start', 'ends_on >= starts_on')
        batch_op.create_foreign_key(batch_op.f('fk_periods_form_id_forms'), 'forms', ['form_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_periods_form_version_id_form_versions'),
                                    'form_versions', ['form_version_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_periods_form_id'), ['form_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_periods_form_version_id'), ['form_version_id'], unique=False)


def _unit_words(code, kind):
    """The unit words of the existing items, from what they count."""
    if kind == 'percent':
        return '%', '%'
    if kind == 'score':
        return 'баллов', 'points'
    if code.startswith('pairs'):
        return 'пар и групп', 'pairs and groups'
    for prefix, ru, en in (('programmes', 'программ', 'programmes'),
                           ('meetings', 'встреч', 'meetings'),
                           ('joint_projects', 'проектов', 'projects')):
        if code.startswith(prefix):
            return ru, en
    return 'человек', 'people'


def _new_form(conn, region_id, jump, frozen):
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    form_id = conn.scalar(forms.insert().values(
        region_id=region_id, code='quarterly', name_ru=NAME_RU, name_en=NAME_EN,
        periodicity='quarter', applies_to=ALL_TYPES, jump_relative=jump,
        jump_absolute=5 if jump is not None else None, created_at=now).returning(forms.c.id))
    return conn.scalar(versions.insert().values(
        form_id=form_id, number=1, frozen_at=now if frozen else None,
        created_at=now).returning(versions.c.id)), form_id


def _move_the_catalogue_into_forms(conn):
    for row in conn.execute(sa.select(indicators.c.id, indicators.c.code, indicators.c.unit)).all():
        unit_ru, unit_en = _unit_words(row.code, row.unit)
        conn.execute(indicators.update().where(indicators.c.id == row.id).values(
            kind=row.unit, unit_ru=unit_ru, unit_en=unit_en,
            scale=10 if row.unit == 'score' else None))
    jump = conn.scalar(sa.select(rules.c.threshold).where(rules.c.code == 'jump_from_previous'))
    region_ids = list(conn.scalars(sa.text('SELECT id FROM regions ORDER BY id')))
    if not region_ids:  # a new database: the migrated catalogue is the national template
        _claim(conn, _new_form(conn, None, jump, frozen=False)[0])
        return
    first_version, first_form = _new_form(conn, region_ids[0], jump, frozen=True)
    _claim(conn, first_version)
    _point_periods(conn, region_ids[0], first_form, first_version)
    for region_id in region_ids[1:]:
        version_id, form_id = _new_form(conn, region_id, jump, frozen=True)
        moved = _copy_rows(conn, first_version, version_id)
        _repoint_values(conn, region_id, moved)
        _point_periods(conn, region_id, form_id, version_id)
    _template_from_standard(conn, jump, first_version)


def _claim(conn, version_id):
    conn.execute(indicators.update().values(form_version_id=version_id))
    conn.execute(rules.update().values(form_version_id=version_id))


def _copy_rows(conn, source_version, target_version):
    """Copy a version's items and rules; returns {old item id: new item id}."""
    moved = {}
    item_columns = [indicators.c[c] for c in ITEM_COLUMNS]
    for row in conn.execute(sa.select(indicators.c.id, *item_columns)
                            .where(indicators.c.form_version_id == source_version)
                            .order_by(indicators.c.id)).all():
        data = {c: getattr(row, c) for c in ITEM_COLUMNS}
        moved[row.id] = conn.scalar(indicators.insert().values(  # unit: dropped below
            form_version_id=target_version, unit=data['kind'], **data).returning(indicators.c.id))
    for row in conn.execute(sa.select(*(rules.c[c] for c in RULE_COLUMNS))
                            .where(rules.c.form_version_id == source_version)).all():
        conn.execute(rules.insert().values(form_version_id=target_version, **row._asdict()))
    return moved


def _repoint_values(conn, region_id, moved):
    """The region's values now belong to its own copies of the items."""
    if not moved:
        return
    conn.execute(sa.text(
        'UPDATE report_values SET indicator_id = :new WHERE indicator_id = :old AND report_id IN'
        ' (SELECT r.id FROM reports r JOIN organizations o ON o.id = r.organization_id'
        ' JOIN municipalities m ON m.id = o.municipality_id WHERE m.region_id = :region)'),
        [{'old': old, 'new': new, 'region': region_id} for old, new in moved.items()])


def _point_periods(conn, region_id, form_id, version_id):
    for row in conn.execute(sa.select(periods.c.id, periods.c.year, periods.c.quarter)
                            .where(periods.c.region_id == region_id)).all():
        last_month = 3 * row.quarter
        conn.execute(periods.update().where(periods.c.id == row.id).values(
            form_id=form_id, form_version_id=version_id,
            starts_on=date(row.year, last_month - 2, 1),
            ends_on=date(row.year, last_month, calendar.monthrange(row.year, last_month)[1])))


def _template_from_standard(conn, jump, rules_from):
    """The national template: the standard items, and the rules as stored (in this
    revision's columns: a later revision turns them into expressions)."""
    from portal.catalogue.standard import indicator_rows

    version_id, _ = _new_form(conn, None, jump, frozen=False)
    for row in indicator_rows():
        row = dict(row)
        kind = row.pop('unit')
        unit_ru, unit_en = _unit_words(row['code'], kind)
        conn.execute(indicators.insert().values(
            form_version_id=version_id, kind=kind, unit=kind, unit_ru=unit_ru, unit_en=unit_en,
            scale=10 if kind == 'score' else None,
            created_at=datetime.now(timezone.utc).replace(tzinfo=None), **row))
    for row in conn.execute(sa.select(*(rules.c[c] for c in RULE_COLUMNS))
                            .where(rules.c.form_version_id == rules_from)).all():
        conn.execute(rules.insert().values(form_version_id=version_id, **row._asdict()))


def downgrade():
    raise NotImplementedError('region forms cannot be folded back into one catalogue')
