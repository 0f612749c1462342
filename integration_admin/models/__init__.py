"""Models of the project package: users and roles, committee sessions and council papers.

- :mod:`.users`: the user model with its roles.
- :mod:`.meetings`: committees, meetings and agenda items (OParl Organization, Meeting, AgendaItem).
- :mod:`.reports`: reports as council papers (OParl Paper), their consultations, sections,
  the released PDF (OParl File) and the paper-number counter.
"""

from integration_admin.models.meetings import AgendaItem, Committee, Meeting, MeetingState
from integration_admin.models.reports import (
    Consultation,
    ConsultationRole,
    PaperCounter,
    PaperType,
    Report,
    ReportFile,
    ReportJob,
    ReportJobStatus,
    ReportSection,
    ReportStatus,
)
from integration_admin.models.users import Role, User

__all__ = [
    "AgendaItem",
    "Committee",
    "Consultation",
    "ConsultationRole",
    "Meeting",
    "MeetingState",
    "PaperCounter",
    "PaperType",
    "Report",
    "ReportFile",
    "ReportJob",
    "ReportJobStatus",
    "ReportSection",
    "ReportStatus",
    "Role",
    "User",
]
