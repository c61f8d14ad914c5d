"""Reporting periods and their deadlines, in the programme's time zone.

Quarterly reports go to the Department before 17:00 (Asia/Ho_Chi_Minh) on 25/3, 25/6,
25/9 and 25/12: the report of a quarter is due on the 25th of its last month. Pure
functions of the time given, so the home panel, the reminders and the quarterly reports
agree on one deadline and tests can pin the clock."""

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

REPORT_TIME_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
QUARTER_DEADLINE_DAY = 25
QUARTER_DEADLINE_TIME = datetime.time(17, 0)
# The dashboard reminds from this many days before the deadline.
DEADLINE_REMIND_DAYS = 10


@dataclass(frozen=True)
class ReportDeadline:
    year: int
    quarter: int  # 1–4: the quarter whose report is due
    due_at: datetime.datetime  # aware, in REPORT_TIME_ZONE
    days_left: int  # calendar days from today (local) to the due date; 0 = due today

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.quarter}"

    @property
    def is_near(self) -> bool:
        """Within the reminder window (``DEADLINE_REMIND_DAYS`` days or fewer left)."""
        return self.days_left <= DEADLINE_REMIND_DAYS


def quarter_deadline(year: int, quarter: int) -> datetime.datetime:
    """17:00 local time on the 25th of the quarter's last month."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError("quarter must be 1 to 4")
    day = datetime.date(year, quarter * 3, QUARTER_DEADLINE_DAY)
    return datetime.datetime.combine(day, QUARTER_DEADLINE_TIME, tzinfo=REPORT_TIME_ZONE)


def report_deadline_next(now: datetime.datetime) -> ReportDeadline:
    """The first quarterly deadline strictly after ``now`` (an aware datetime): at 16:59 on
    25/3 it is that day's; from 17:00 it is 25/6's."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("report_deadline_next needs an aware datetime")
    local = now.astimezone(REPORT_TIME_ZONE)
    year, quarter = local.year, (local.month - 1) // 3 + 1
    due_at = quarter_deadline(year, quarter)
    if local >= due_at:
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
        due_at = quarter_deadline(year, quarter)
    return ReportDeadline(year=year, quarter=quarter, due_at=due_at, days_left=(due_at.date() - local.date()).days)
