"""Demo and synthetic data, loaded by ``flask demo`` (never by the application itself).

This module holds the demo region: three municipalities, about 25 organizations and one
account per role; :mod:`portal.demo.reports` fills its quarterly reports,
:mod:`portal.demo.roadmaps` its documents and roadmaps, :mod:`portal.demo.mentoring` the
registers of mentors and mentees, :mod:`portal.demo.monitoring` their monitoring, :mod:`portal.demo.register_reports` makes
the latest reports agree with the registers, and
:mod:`portal.demo.synthetic`
builds a region at scale for benchmarks (``flask demo --scale N``).
"""

from __future__ import annotations

import sqlalchemy as sa

from portal import clock
from portal.auth import operations as accounts
from portal.auth.models import User
from portal.demo.mentoring import load_register
from portal.demo.monitoring import load_monitoring
from portal.demo.programmes import load_programmes
from portal.demo.register_reports import align_reports
from portal.demo.reports import load_reports
from portal.demo.roadmaps import load_documents_and_roadmaps
from portal.extensions import db
from tenants.models import Municipality, Organization, OrganizationType, Region, Role, Subordination
from tenants.scoping import system_task

DEMO_PASSWORD = "demo-mentor-2026"  # meets the password policy (portal/auth/passwords.py)

REGION = ("99", "Приозёрный край")
MUNICIPALITIES = [
    ("99-01", "Городской округ город Озёрск"),
    ("99-02", "Берёзовский муниципальный район"),
    ("99-03", "Каменский муниципальный округ"),
]
S, K, C, A = (OrganizationType.SCHOOL, OrganizationType.KINDERGARTEN,
              OrganizationType.COLLEGE, OrganizationType.ADDITIONAL)
MUN, REG = Subordination.MUNICIPAL, Subordination.REGIONAL

# (municipality, code, full name, short name, type, subordination)
ORGANIZATIONS = [
    ("99-01", "9901001", "Муниципальное бюджетное общеобразовательное учреждение «Средняя школа № 23» города Озёрска", "МБОУ «СШ № 23»", S, MUN),
    ("99-01", "9901002", "Муниципальное бюджетное общеобразовательное учреждение «Гимназия № 1» города Озёрска", "МБОУ «Гимназия № 1»", S, MUN),
    ("99-01", "9901003", "Муниципальное автономное общеобразовательное учреждение «Лицей № 4» города Озёрска", "МАОУ «Лицей № 4»", S, MUN),
    ("99-01", "9901004", "Муниципальное бюджетное общеобразовательное учреждение «Средняя школа № 7» города Озёрска", "МБОУ «СШ № 7»", S, MUN),
    ("99-01", "9901011", "Муниципальное бюджетное дошкольное образовательное учреждение «Детский сад № 3 «Солнышко»", "МБДОУ «ДС № 3 «Солнышко»", K, MUN),
    ("99-01", "9901012", "Муниципальное бюджетное дошкольное образовательное учреждение «Детский сад № 15 «Берёзка»", "МБДОУ «ДС № 15 «Берёзка»", K, MUN),
    ("99-01", "9901013", "Муниципальное автономное дошкольное образовательное учреждение «Детский сад № 28 «Радуга»", "МАДОУ «ДС № 28 «Радуга»", K, MUN),
    ("99-01", "9901021", "Муниципальное бюджетное учреждение дополнительного образования «Центр детского творчества» города Озёрска", "МБУ ДО ЦДТ", A, MUN),
    ("99-01", "9901022", "Муниципальное автономное учреждение дополнительного образования «Детско-юношеский центр «Ритм»", "МАУ ДО ДЮЦ «Ритм»", A, MUN),
    ("99-01", "9901031", "Краевое государственное бюджетное профессиональное образовательное учреждение «Озёрский политехнический техникум»", "КГБПОУ «Озёрский политехнический техникум»", C, REG),
    ("99-01", "9901032", "Краевое государственное бюджетное профессиональное образовательное учреждение «Озёрский педагогический колледж»", "КГБПОУ «Озёрский педагогический колледж»", C, REG),
    ("99-02", "9902001", "Муниципальное казённое общеобразовательное учреждение «Берёзовская средняя общеобразовательная школа № 1»", "МКОУ «Берёзовская СОШ № 1»", S, MUN),
    ("99-02", "9902002", "Муниципальное казённое общеобразовательное учреждение «Сосновская средняя общеобразовательная школа»", "МКОУ «Сосновская СОШ»", S, MUN),
    ("99-02", "9902003", "Муниципальное казённое общеобразовательное учреждение «Ключевская основная общеобразовательная школа»", "МКОУ «Ключевская ООШ»", S, MUN),
    ("99-02", "9902011", "Муниципальное казённое дошкольное образовательное учреждение «Берёзовский детский сад «Колосок»", "МКДОУ «Берёзовский ДС «Колосок»", K, MUN),
    ("99-02", "9902012", "Муниципальное казённое дошкольное образовательное учреждение «Сосновский детский сад «Ёлочка»", "МКДОУ «Сосновский ДС «Ёлочка»", K, MUN),
    ("99-02", "9902021", "Муниципальное автономное образовательное учреждение дополнительного образования «Берёзовский районный детско-юношеский центр»", "МАОУ ДО «Берёзовский районный ДЮЦ»", A, MUN),
    ("99-02", "9902031", "Краевое государственное бюджетное профессиональное образовательное учреждение «Берёзовский аграрный техникум»", "КГБПОУ «Берёзовский аграрный техникум»", C, REG),
    ("99-03", "9903001", "Муниципальное бюджетное общеобразовательное учреждение «Каменская средняя общеобразовательная школа № 2»", "МБОУ «Каменская СОШ № 2»", S, MUN),
    ("99-03", "9903002", "Муниципальное бюджетное общеобразовательное учреждение «Каменская средняя общеобразовательная школа № 5»", "МБОУ «Каменская СОШ № 5»", S, MUN),
    ("99-03", "9903003", "Муниципальное бюджетное общеобразовательное учреждение «Гремячинская средняя общеобразовательная школа»", "МБОУ «Гремячинская СОШ»", S, MUN),
    ("99-03", "9903011", "Муниципальное бюджетное дошкольное образовательное учреждение «Каменский детский сад № 6 «Теремок»", "МБДОУ «Каменский ДС № 6 «Теремок»", K, MUN),
    ("99-03", "9903012", "Муниципальное бюджетное дошкольное образовательное учреждение «Каменский детский сад № 9 «Ручеёк»", "МБДОУ «Каменский ДС № 9 «Ручеёк»", K, MUN),
    ("99-03", "9903021", "Муниципальное бюджетное учреждение дополнительного образования «Дом детского творчества» Каменского округа", "МБУ ДО ДДТ", A, MUN),
    ("99-03", "9903031", "Краевое государственное бюджетное профессиональное образовательное учреждение «Каменский индустриальный техникум»", "КГБПОУ «Каменский индустриальный техникум»", C, REG),
    ("99-03", "9903004", "Муниципальное бюджетное общеобразовательное учреждение «Малоключинская начальная школа» (закрыта)", "МБОУ «Малоключинская НШ»", S, MUN),
]
CLOSED = {"9903004"}

# (login, full name, role, scope code)
ACCOUNTS = [
    ("admin", "Администратор портала", Role.ADMIN, None),
    ("region", "Смирнова Ольга Викторовна (ЦНППМ)", Role.REGIONAL, "99"),
    ("ozersk", "Ковалёва Ирина Петровна (методист ММЦ г. Озёрска)", Role.MUNICIPAL, "99-01"),
    ("berezovka", "Лебедев Андрей Сергеевич (методист Берёзовского района)", Role.MUNICIPAL, "99-02"),
    ("kamensk", "Орлова Наталья Ивановна (методист Каменского округа)", Role.MUNICIPAL, "99-03"),
    ("curator", "Павлова Елена Николаевна (куратор, СШ № 23)", Role.CURATOR, "9901001"),
    ("head", "Григорьев Михаил Юрьевич (директор, СШ № 23)", Role.HEAD, "9901001"),
    ("curator.ds3", "Фёдорова Светлана Андреевна (куратор, ДС № 3)", Role.CURATOR, "9901011"),
    ("curator.college", "Никитин Павел Олегович (куратор, политехнический техникум)", Role.CURATOR, "9901031"),
]


@system_task("the demo loader checks the whole database is empty")
def database_is_empty() -> bool:
    """True when no region and no user exist yet (explicit, unscoped check for the CLI)."""
    return not db.session.scalar(sa.select(sa.func.count()).select_from(Region)) and \
        not db.session.scalar(sa.select(sa.func.count()).select_from(User))


@system_task("the demo loader writes and reads every tenant of the demo region")
def load_demo() -> None:
    """Create the demo region and its accounts; flushes, the caller commits."""
    region = Region(code=REGION[0], name=REGION[1])
    db.session.add(region)
    municipalities = {code: Municipality(code=code, name=name, region=region)
                      for code, name in MUNICIPALITIES}
    db.session.add_all(municipalities.values())
    for mcode, code, name, short_name, org_type, subordination in ORGANIZATIONS:
        db.session.add(Organization(
            municipality=municipalities[mcode], code=code, name=name, short_name=short_name,
            type=org_type, subordination=subordination, is_active=code not in CLOSED,
        ))
    db.session.flush()
    for login, full_name, role, scope_code in ACCOUNTS:
        user = accounts.create_user(login, full_name, f"{login}@demo.example")
        user.set_password(DEMO_PASSWORD)
        accounts.assign_role(user, role, scope_code)
    db.session.flush()
    today = clock.today(region)
    load_reports(region, today)
    load_documents_and_roadmaps(region, today)
    load_register(region, today)
    load_monitoring(region, today)
    load_programmes(region, today)
    align_reports(region)  # the latest reports say what the register says
