"""Issue 11: the migration to region forms keeps every stored value and its history."""

from __future__ import annotations

import sqlalchemy as sa

from portal import create_app
from portal.config import TestConfig

BEFORE = "a7c31e9d5b20"


def _app(url: str):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    return create_app(Config)


def _fill(connection) -> dict[str, int]:
    """Two regions with a report each on the old global catalogue."""
    run = lambda sql, **p: connection.execute(sa.text(sql), p)  # noqa: E731
    ids = dict(connection.execute(sa.text("SELECT code, id FROM indicators")).all())
    for n in (1, 2):
        run("INSERT INTO regions (id, code, name) VALUES (:n, :c, :c)", n=n, c=f"R{n}")
        run("INSERT INTO municipalities (id, region_id, code, name) VALUES (:n, :n, :c, :c)",
            n=n, c=f"M{n}")
        run("INSERT INTO organizations (id, municipality_id, code, name, short_name, type, "
            "subordination) VALUES (:n, :n, :c, :c, :c, 'school', 'municipal')", n=n, c=f"O{n}")
        run("INSERT INTO periods (id, region_id, year, quarter, opens_on, deadline) "
            "VALUES (:n, :n, 2026, 3, '2026-09-01', '2026-10-10')", n=n)
        run("INSERT INTO reports (id, organization_id, period_id, state, explanations, "
            "created_at, updated_at) VALUES (:n, :n, :n, 'accepted', '{}', '2026-10-01', "
            "'2026-10-01')", n=n)
        run("INSERT INTO report_values (report_id, indicator_id, raw, value) "
            "VALUES (:n, :i, :raw, :v)", n=n, i=ids["mentors"], raw=str(10 * n), v=10 * n)
    run("UPDATE validation_rules SET threshold = 0.4 WHERE code = 'jump_from_previous'")
    return ids


def test_each_region_gets_its_quarterly_form_and_keeps_its_values(databases):
    from flask_migrate import upgrade

    app = _app(databases.new_database("forms_migration"))
    with app.app_context():
        from portal.extensions import db

        upgrade(revision=BEFORE)
        with db.engine.begin() as connection:
            old = _fill(connection)
        upgrade()
        with db.engine.connect() as c:
            forms = c.execute(sa.text("SELECT id, region_id, code, jump_relative, jump_absolute "
                                      "FROM forms ORDER BY id")).all()
            values = c.execute(sa.text(
                "SELECT r.organization_id, i.code, v.raw, i.form_version_id, p.form_version_id "
                "FROM report_values v JOIN reports r ON r.id = v.report_id "
                "JOIN periods p ON p.id = r.period_id JOIN indicators i ON i.id = v.indicator_id"
                " ORDER BY r.organization_id")).all()
            periods = c.execute(sa.text("SELECT starts_on, ends_on FROM periods")).all()
            rules = c.execute(sa.text("SELECT form_version_id, count(*) FROM validation_rules "
                                      "GROUP BY form_version_id")).all()
            first_region_items = c.execute(sa.text(
                "SELECT i.id FROM indicators i JOIN form_versions v ON v.id = i.form_version_id"
                " JOIN forms f ON f.id = v.form_id WHERE f.region_id = 1")).scalars().all()
        db.engine.dispose()
    assert [(f.region_id, f.code) for f in forms] == [(1, "quarterly"), (2, "quarterly"),
                                                      (None, "quarterly")]
    assert float(forms[0].jump_relative) == 0.4 and float(forms[0].jump_absolute) == 5
    # Every value stays, with its code, on the items of its own region's form version.
    assert [(org, code, raw) for org, code, raw, _i, _p in values] == [
        (1, "mentors", "10"), (2, "mentors", "20")]
    assert all(item_version == period_version for *_x, item_version, period_version in values)
    assert values[0][3] != values[1][3]
    assert set(first_region_items) == set(old.values())  # the first region kept the rows
    assert {str(p.starts_on)[:10] for p in periods} == {"2026-07-01"}
    assert len(rules) == 3 and len({n for _v, n in rules}) == 1  # the rules, per version
