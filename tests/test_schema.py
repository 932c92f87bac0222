"""The schema comes only from migrations, and they match the models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.extensions import db


def test_upgrade_on_an_empty_database_matches_the_models(database):
    # The session database was built by `flask db upgrade` alone (see conftest.app).
    context = MigrationContext.configure(db.session.connection(), opts={"compare_type": True})
    differences = compare_metadata(context, db.metadata)
    assert differences == [], differences


def test_the_comparison_notices_a_missing_column(database):
    import sqlalchemy as sa

    metadata = sa.MetaData()
    for table in db.metadata.tables.values():
        table.to_metadata(metadata)
    sa.Table("users", metadata, sa.Column("nickname", sa.String(20)), extend_existing=True)
    context = MigrationContext.configure(db.session.connection(), opts={"compare_type": True})
    assert any(diff[0] == "add_column" for diff in compare_metadata(context, metadata))
