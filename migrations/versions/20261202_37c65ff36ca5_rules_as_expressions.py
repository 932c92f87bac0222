"""rules as expressions: every validation rule is a condition of the expression language

Issue 11 §3. ``validation_rules.kind`` keeps two values: ``expression`` (the condition in
the new ``expression`` column must hold, portal/catalogue/expressions.py) and ``jump`` (a
count's change against the previous quarter beyond ``threshold``, relative, and the new
``threshold_absolute``). Each ``compare`` and ``requires`` row becomes the equivalent
expression, which the validation engine answers exactly as before:

- compare ``left <op> factor × right`` → ``mentees <= 5 * mentors``; a side of several
  codes, or of a breakdown ``prefix.*``, becomes ``sum(…)`` (a breakdown's blanks count as
  zero there, as they did);
- requires ``left > 0 requires right > 0`` → ``if mentees > 0 then present(mentors)``
  (a blank right side fires, as it did).

The jump row gets the absolute minimum change the engine had in code (5). The old operand
columns (left, operator, right, factor) are dropped. The downgrade converts the rules back;
an expression that the old columns cannot say stops it, rather than losing the rule.

Revision ID: 37c65ff36ca5
Revises: 58347cb0296b
Create Date: 2026-12-02 04:30:00.000000

"""
import re
from decimal import Decimal

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '37c65ff36ca5'
down_revision = '58347cb0296b'
branch_labels = None
depends_on = None

OLD_KIND = sa.Enum('compare', 'requires', 'jump', name='rule_kind', native_enum=False,
                   create_constraint=True, length=20)
NEW_KIND = sa.Enum('expression', 'jump', name='rule_kind', native_enum=False,
                   create_constraint=True, length=20)
JUMP_MIN_ABSOLUTE = 5
OPERATORS = {"<=": "<=", ">=": ">=", "==": "="}

rules = sa.table(
    "validation_rules", sa.column("id", sa.Integer), sa.column("kind", sa.String),
    sa.column("left", sa.JSON), sa.column("operator", sa.String), sa.column("right", sa.JSON),
    sa.column("factor", sa.Numeric), sa.column("expression", sa.String),
    sa.column("threshold_absolute", sa.Numeric),
)


def _side(codes):
    if len(codes) == 1 and not codes[0].endswith(".*"):
        return codes[0]
    return "sum(" + ", ".join(codes) + ")" if codes else "0"


def _factor(factor):
    text = format(Decimal(str(factor if factor is not None else 1)).normalize(), "f")
    return "" if text == "1" else text + " * "


def expression_of(kind, left, operator, right, factor):
    """The expression that says what a compare or requires row said."""
    if kind == "requires":
        consequent = f"present({right[0]})" if len(right) == 1 and not right[0].endswith(".*") \
            else f"not {_side(right)} = 0"
        return f"if {_side(left)} > 0 then {consequent}"
    return f"{_side(left)} {OPERATORS[operator]} {_factor(factor)}{_side(right or [])}"


def upgrade():
    with op.batch_alter_table('validation_rules', schema=None) as batch_op:
        batch_op.alter_column('kind', type_=sa.String(length=20), existing_type=OLD_KIND,
                              existing_nullable=False)
        batch_op.add_column(sa.Column('expression', sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column('threshold_absolute', sa.Numeric(precision=10, scale=4),
                                      nullable=True))
    connection = op.get_bind()
    for row in connection.execute(sa.select(rules)).mappings().all():
        if row["kind"] == "jump":
            change = {"threshold_absolute": JUMP_MIN_ABSOLUTE}
        else:
            change = {"kind": "expression", "expression": expression_of(
                row["kind"], row["left"] or [], row["operator"], row["right"] or [],
                row["factor"])}
        connection.execute(rules.update().where(rules.c.id == row["id"]).values(**change))
    with op.batch_alter_table('validation_rules', schema=None) as batch_op:
        batch_op.alter_column('kind', type_=NEW_KIND, existing_type=sa.String(length=20),
                              existing_nullable=False)
        for column in ('left', 'operator', 'right', 'factor'):
            batch_op.drop_column(column)


_COMPARE = re.compile(r"^(?P<left>.+?) (?P<op><=|>=|=) (?:(?P<factor>[\d.]+) \* )?(?P<right>.+)$")
_REQUIRES = re.compile(r"^if (?P<left>.+?) > 0 then (?:present\((?P<one>[^()]+)\)|"
                       r"not (?P<right>.+) = 0)$")


def _codes(side):
    if side.startswith("sum(") and side.endswith(")"):
        return [code.strip() for code in side[4:-1].split(",")]
    return [] if side == "0" else [side]


def _old_columns(expression):
    """left, operator, right, factor and kind of an expression that upgrade() wrote."""
    found = _REQUIRES.match(expression)
    if found:
        right = [found["one"]] if found["one"] else _codes(found["right"])
        return {"kind": "requires", "left": _codes(found["left"]), "operator": None,
                "right": right, "factor": 1}
    found = _COMPARE.match(expression)
    if not found:
        raise RuntimeError(f"the rule «{expression}» cannot be written in the old columns")
    operator = {"=": "=="}.get(found["op"], found["op"])
    return {"kind": "compare", "left": _codes(found["left"]), "operator": operator,
            "right": _codes(found["right"]), "factor": Decimal(found["factor"] or 1)}


def downgrade():
    with op.batch_alter_table('validation_rules', schema=None) as batch_op:
        batch_op.alter_column('kind', type_=sa.String(length=20), existing_type=NEW_KIND,
                              existing_nullable=False)
        batch_op.add_column(sa.Column('left', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('operator', sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column('right', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('factor', sa.Numeric(precision=10, scale=4),
                                      nullable=True))
    connection = op.get_bind()
    for row in connection.execute(sa.select(rules)).mappings().all():
        change = {"left": ["*"], "operator": None, "right": [], "factor": 1} \
            if row["kind"] == "jump" else _old_columns(row["expression"])
        connection.execute(rules.update().where(rules.c.id == row["id"]).values(**change))
    with op.batch_alter_table('validation_rules', schema=None) as batch_op:
        batch_op.alter_column('kind', type_=OLD_KIND, existing_type=sa.String(length=20),
                              existing_nullable=False)
        for column in ('left', 'right', 'factor'):
            batch_op.alter_column(column, existing_type=sa.JSON() if column != 'factor'
                                  else sa.Numeric(precision=10, scale=4), nullable=False)
        batch_op.drop_column('threshold_absolute')
        batch_op.drop_column('expression')
