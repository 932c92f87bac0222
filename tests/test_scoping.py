"""The scoping helper: what each role's predicate admits, per action."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from tenants.models import Organization, OrganizationType, Role, Subordination
from tenants.scoping import Action, Scope, scoped_select


@pytest.fixture
def tree(factory):
    region = factory.region()
    home, other = factory.municipality(region), factory.municipality(region)
    return {
        "region": region, "home": home,
        "school": factory.organization(home),
        "college": factory.organization(home, type=OrganizationType.COLLEGE,
                                        subordination=Subordination.REGIONAL),
        "far_college": factory.organization(other, type=OrganizationType.COLLEGE,
                                            subordination=Subordination.REGIONAL),
        "far_school": factory.organization(other),
        "foreign": factory.organization(factory.municipality(factory.region())),
    }


def _visible(scope: Scope, action: Action = Action.VIEW) -> set[int]:
    return set(db.session.scalars(scoped_select(Organization, action, scope)
                                  .with_only_columns(Organization.id)))


def _ids(tree, *names):
    return {tree[n].id for n in names}


def test_regional_coordinator_sees_the_whole_region(factory, tree):
    scope = Scope.for_user(factory.user(Role.REGIONAL, tree["region"]))
    assert _visible(scope) == _ids(tree, "school", "college", "far_college", "far_school")
    # ...and accepts reports only of the organizations the region founded.
    assert _visible(scope, Action.REVIEW) == _ids(tree, "college", "far_college")
    assert _visible(scope, Action.EDIT) == set()


def test_municipal_coordinator_sees_municipal_organizations_of_the_municipality(factory, tree):
    scope = Scope.for_user(factory.user(Role.MUNICIPAL, tree["home"]))
    assert _visible(scope) == _ids(tree, "school")
    assert _visible(scope, Action.REVIEW) == _ids(tree, "school")


def test_curator_edits_and_head_confirms_only_their_organization(factory, tree):
    curator = Scope.for_user(factory.user(Role.CURATOR, tree["school"]))
    head = Scope.for_user(factory.user(Role.HEAD, tree["school"]))
    assert _visible(curator) == _visible(head) == _ids(tree, "school")
    assert _visible(curator, Action.EDIT) == _ids(tree, "school")
    assert _visible(head, Action.EDIT) == set()
    assert _visible(head, Action.CONFIRM) == _ids(tree, "school")
    assert _visible(curator, Action.REVIEW) == set()


def test_several_assignments_add_up(factory, tree):
    user = factory.user(Role.CURATOR, tree["school"])
    from portal.auth.operations import assign_role

    assign_role(user, Role.HEAD, tree["far_school"].code)
    assert _visible(Scope.for_user(user)) == _ids(tree, "school", "far_school")


def test_anonymous_and_roleless_users_see_nothing(factory, tree):
    assert _visible(Scope()) == set()
    assert _visible(Scope.for_user(factory.user(None))) == set()


def test_admin_and_system_scope_see_everything(factory, tree):
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Organization))
    assert len(_visible(Scope.for_user(factory.user(Role.ADMIN)))) == total
    assert len(_visible(Scope.system("the test counts every organization"))) == total


def test_models_without_a_rule_are_refused():
    class Unscoped:
        __name__ = "Unscoped"

    with pytest.raises(TypeError):
        Scope().predicate(Unscoped)


def test_cache_key_differs_between_scopes(factory, tree):
    a = Scope.for_user(factory.user(Role.MUNICIPAL, tree["home"]))
    b = Scope.for_user(factory.user(Role.REGIONAL, tree["region"]))
    assert a.cache_key() != b.cache_key()
