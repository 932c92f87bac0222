"""Imports every model module, so the whole schema is registered in one place."""

from portal.auth.models import User  # noqa: F401
from portal.catalogue.models import Indicator, ValidationRule  # noqa: F401
from portal.documents.models import Document, DocumentVersion  # noqa: F401
from portal.mentoring.models import MentoringPair, PairMember, Participant, PersonalDataAccess  # noqa: F401
from portal.monitoring.models import Answer, AnswerSet, CriterionValue, MonitoringRecord  # noqa: F401
from portal.programmes.models import PlanEvent, Programme, ProgrammeExtension  # noqa: F401
from portal.reports.models import AuditEntry, Period, Report, ReportValue  # noqa: F401
from portal.roadmaps.models import EventExecution, Roadmap, RoadmapEvent  # noqa: F401
from tenants.models import Municipality, Organization, Region, RoleAssignment  # noqa: F401
