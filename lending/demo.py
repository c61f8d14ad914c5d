"""Demo readers: students of the two schools synced from generated rosters (the same path
a real school takes), teachers, and residents of the ward 13 centre with consent
recorded — one of them also a student, keeping one identity. Deterministic and
idempotent (the roster sync changes nothing the second time)."""

import datetime
import random

from django.db import models, transaction
from django.utils import timezone

from catalog.models import Copy, CopyStatus, DigitalFile, MaterialKind, Record
from lending.models import (
    ClosedDay,
    DigitalLoan,
    Hold,
    HoldStatus,
    Loan,
    LoanRule,
    Membership,
    Reader,
    ReaderCategory,
)
from lending.services.activation import activation_code_check, activation_code_issue, reader_needs_activation
from lending.services.cards import card_issue
from lending.services.digital import digital_hold_place, digital_loan_create
from lending.services.holds import hold_place
from lending.services.loans import loan_create, loan_return
from lending.services.roster import roster_sync
from library_site.libraries.models import Library

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Minh", "Ngọc", "Gia", "Hoàng", "Thanh", "Bảo", "Khánh", "Phương", "Quốc", "Anh"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hân", "Hiếu", "Hòa", "Khoa", "Khôi", "Lan", "Linh",
         "Long", "Mai", "Minh", "Nam", "Ngân", "Nhi", "Phúc", "Quân", "Quỳnh", "Tâm", "Thảo", "Thư", "Trang", "Tú",
         "Tuấn", "Vy", "Yến"]  # fmt: skip

SCHOOLS = {
    # library code: (classes, students per class, first ID, birth year of grade 1)
    "thcs-cau-kieu": ([f"{grade}A{n}" for grade in range(6, 10) for n in (1, 2)], 8, 7900100001, 2020),
    "th-pham-ngoc-thach": ([f"{grade}A1" for grade in range(1, 6)], 6, 7900200001, 2020),
}
DEMO_STUDENT_ID = "7900100001"
# The demo student's activation slip (load_demo prints it); real codes are random.
DEMO_ACTIVATION_CODE = "DEMO-2026"


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _roster(rng: random.Random, classes: list[str], per_class: int, first_id: int, grade1_birth_year: int) -> str:
    lines = ["Mã học sinh,Họ và tên,Ngày sinh,Lớp,Giới tính,Đối tượng"]
    number = first_id
    for class_name in classes:
        grade = int(class_name.split("A")[0])
        for _ in range(per_class):
            born = datetime.date(grade1_birth_year - grade, rng.randint(1, 12), rng.randint(1, 28))
            lines.append(f"{number},{_name(rng)},{born:%d/%m/%Y},{class_name},{rng.choice(['Nam', 'Nữ'])},học sinh")
            number += 1
    for index in range(3):
        born = datetime.date(rng.randint(1975, 1995), rng.randint(1, 12), rng.randint(1, 28))
        lines.append(f"GV{first_id + index},{_name(rng)},{born:%d/%m/%Y},,Nữ,giáo viên")
    return "\n".join(lines) + "\n"


@transaction.atomic
def load(*, stdout) -> dict:
    rng = random.Random(13)
    libraries = {library.code: library for library in Library.objects.all()}
    for code, (classes, per_class, first_id, birth_year) in SCHOOLS.items():
        if code not in libraries:
            continue
        roster = _roster(rng, classes, per_class, first_id, birth_year)
        report = roster_sync(library=libraries[code], data=roster.encode("utf-8"), school_year="2026-2027")
        if report.errors:
            raise RuntimeError(f"demo roster of {code} is invalid: {report.errors}")
    centre = libraries.get("tthtcd-phuong-13")
    if centre is not None:
        _residents(rng, centre)
    for library in libraries.values():
        _rules_and_closed_days(library)
    _loans(libraries.get("thcs-cau-kieu"))
    student = Reader.objects.filter(id_number=DEMO_STUDENT_ID).first()
    _holds_and_digital_loans(libraries.get("thcs-cau-kieu"), student)
    stdout.write(
        f"  readers: {Reader.objects.count()} people, {Membership.objects.count()} memberships, "
        f"{Loan.objects.filter(returned_at__isnull=True).count()} open loans, "
        f"{Hold.objects.filter(status__in=[HoldStatus.WAITING, HoldStatus.READY]).count()} holds, "
        f"{DigitalLoan.objects.filter(returned_at__isnull=True).count()} digital loans"
    )
    login = None
    if student and reader_needs_activation(student):
        # The demo student's activation slip, as the library would hand it out (a fixed
        # code, so that loading the demo again changes nothing).
        if not activation_code_check(reader=student, typed=DEMO_ACTIVATION_CODE):
            activation_code_issue(reader=student, code=DEMO_ACTIVATION_CODE)
        login = (student.id_number, DEMO_ACTIVATION_CODE, student.full_name)
    return {"reader_login": login}


RULES = {
    # category: (loan days, loans at once, renewals)
    ReaderCategory.STUDENT: (14, 3, 1),
    ReaderCategory.STAFF: (30, 10, 2),
    ReaderCategory.RESIDENT: (21, 5, 1),
}
# Public holidays of the 2026–2027 school year (Tết Đinh Mùi: 6 February 2027).
CLOSED_DAYS = [
    (datetime.date(2027, 1, 1), "Tết Dương lịch"),
    *[(datetime.date(2027, 2, day), "Nghỉ Tết Nguyên Đán") for day in range(4, 13)],
    (datetime.date(2027, 4, 16), "Giỗ Tổ Hùng Vương"),
    (datetime.date(2027, 4, 30), "Ngày Giải phóng miền Nam"),
    (datetime.date(2027, 5, 1), "Quốc tế Lao động"),
]


def _rules_and_closed_days(library: Library) -> None:
    for category, (days, loans, renewals) in RULES.items():
        LoanRule.objects.get_or_create(
            library=library,
            category=category,
            material_kind="",
            defaults={"loan_days": days, "max_loans": loans, "max_renewals": renewals},
        )
    for date, reason in CLOSED_DAYS:
        ClosedDay.objects.get_or_create(library=library, date=date, defaults={"reason": reason})


def _loans(library: Library | None) -> None:
    """A few students of Cầu Kiệu have books out, lent on fixed days."""
    if library is None or Loan.objects.filter(library=library).exists():
        return
    members = list(Membership.objects.filter(library=library, category=ReaderCategory.STUDENT).order_by("pk")[:6])
    copies = list(Copy.objects.filter(library=library, status=CopyStatus.AVAILABLE).order_by("barcode")[:6])
    for number, (membership, copy) in enumerate(zip(members, copies, strict=False)):
        loan_create(membership=membership, copy=copy, library=library, today=datetime.date(2026, 11, 2 + number * 3))


def _holds_and_digital_loans(library: Library | None, student: Reader | None) -> None:
    """The demo student's reader page shows every state: a title on the hold shelf for
    them, a place in a hold queue, a returned loan in the history and a place in the queue
    for a licensed e-book whose licences are all lent."""
    if library is None or student is None or Hold.objects.exists():
        return
    student.email = student.email or "hocsinh.demo@example.edu.vn"
    student.save(update_fields=["email", "updated_at"])
    me = student.memberships.get(library=library)
    others = list(
        Membership.objects.filter(library=library, category=ReaderCategory.STUDENT).exclude(pk=me.pk).order_by("pk")
    )[6:10]
    single_copy = (
        Record.objects.filter(
            copies__library=library, copies__status=CopyStatus.AVAILABLE, kind=MaterialKind.PRINTED_BOOK
        )
        .annotate(n=models.Count("copies"))
        .filter(n=1)
        .order_by("pk")
    )
    ready, queued, history = list(single_copy[:3])
    # On the hold shelf for the student: another reader returned it today.
    copy = ready.copies.get(library=library)
    loan_create(membership=others[0], copy=copy, library=library, today=datetime.date(2026, 11, 9))
    hold_place(membership=me, record=ready)
    loan_return(copy=copy)
    # Second in a queue behind a classmate.
    copy = queued.copies.get(library=library)
    loan_create(membership=others[1], copy=copy, library=library, today=datetime.date(2026, 11, 16))
    hold_place(membership=others[2], record=queued)
    hold_place(membership=me, record=queued)
    # Borrowed and returned: the history.
    copy = history.copies.get(library=library)
    loan_create(membership=me, copy=copy, library=library, today=datetime.date(2026, 10, 5))
    loan_return(copy=copy)
    # A licensed e-book: both licences lent, the student waits first in line.
    ebook = DigitalFile.objects.filter(licence_count=2, record__library=library).order_by("pk").first()
    if ebook is not None:
        for membership in others[2:4]:
            digital_loan_create(membership=membership, digital_file=ebook)
        digital_hold_place(membership=me, digital_file=ebook)


def _residents(rng: random.Random, centre: Library) -> None:
    people = [(f"{index + 1:05d}", _name(rng), datetime.date(rng.randint(1950, 2000), 1 + index % 12, 10))
              for index in range(15)]  # fmt: skip
    consent_at = timezone.make_aware(datetime.datetime(2026, 9, 1, 8, 0))
    for id_number, name, born in people:
        reader, _created = Reader.objects.get_or_create(
            id_issuer=centre.code, id_number=id_number, defaults={"full_name": name, "date_of_birth": born}
        )
        _membership(reader, centre, consent_at, name)
    # A student of Cầu Kiệu also learns at the centre: one identity, two memberships.
    student = Reader.objects.filter(id_number=DEMO_STUDENT_ID).first()
    if student is not None:
        _membership(student, centre, consent_at, f"Phụ huynh của {student.full_name}")


def _membership(reader: Reader, centre: Library, consent_at, consent_by: str) -> None:
    membership, created = Membership.objects.get_or_create(
        reader=reader,
        library=centre,
        defaults={
            "category": ReaderCategory.RESIDENT,
            "consent_given_at": consent_at,
            "consent_version": "2026-1",
            "consent_given_by": consent_by,
        },
    )
    if created:
        card_issue(membership=membership, valid_until=datetime.date(2027, 9, 1))
