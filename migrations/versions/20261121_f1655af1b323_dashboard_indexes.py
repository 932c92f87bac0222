"""dashboard indexes: a covering index of report values by report and indicator

The dashboards read each counted report's values by (report, indicator) and need only the
number: with the value in the index the lookups never visit the table (index-only scans
on PostgreSQL). Declared on ReportValue in portal/reports/models.py.

Revision ID: f1655af1b323
Revises: 5f5b351772ac
Create Date: 2026-11-21 23:36:27.829053

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f1655af1b323'
down_revision = '5f5b351772ac'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('report_values', schema=None) as batch_op:
        batch_op.create_index('ix_report_values_report_indicator_value',
                              ['report_id', 'indicator_id', 'value'], unique=False)


def downgrade():
    with op.batch_alter_table('report_values', schema=None) as batch_op:
        batch_op.drop_index('ix_report_values_report_indicator_value')
