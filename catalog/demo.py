"""Demo catalog: about 400 believable Vietnamese records of every material kind, subject
and grade, with copies spread over the demo libraries and small real files (PDF, PNG,
WAV) drawn at load time.

Deterministic (a seeded random generator, fixed lists) and idempotent: a record is
created only when its library has no record of the same title and kind."""

import random
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import transaction

from catalog.models import (
    AccessLevel,
    Copy,
    CopyStatus,
    DigitalFile,
    DigitalFormat,
    Grade,
    LessonUnit,
    MaterialKind,
    Record,
    RecordContributor,
    Subject,
)
from catalog.services.codes import copy_barcodes_reserve
from catalog.services.records import record_refresh_match_key
from library_site.demo.images import draw_cover, draw_pdf, draw_wav, generated_image
from library_site.libraries.models import Library

PUBLISHERS = [
    "Nhà xuất bản Giáo dục Việt Nam",
    "Nhà xuất bản Kim Đồng",
    "Nhà xuất bản Trẻ",
    "Nhà xuất bản Văn học",
    "Nhà xuất bản Đại học Sư phạm TP. Hồ Chí Minh",
]
SERIES = ["Kết nối tri thức với cuộc sống", "Chân trời sáng tạo", "Cánh Diều"]

# title, author, year, kind, grades, subjects, summary
LITERATURE = [
    (
        "Truyện Kiều",
        "Nguyễn Du",
        2015,
        ["9", "10"],
        "Kiệt tác thơ lục bát kể về cuộc đời mười lăm năm lưu lạc của Thúy Kiều.",
    ),
    (
        "Đất rừng phương Nam",
        "Đoàn Giỏi",
        2019,
        ["6", "7"],
        "Cuộc phiêu lưu của bé An qua miền Tây Nam Bộ trong kháng chiến.",
    ),
    (
        "Dế Mèn phiêu lưu ký",
        "Tô Hoài",
        2018,
        ["3", "4", "5"],
        "Chú Dế Mèn đi khắp thế giới loài vật và trưởng thành qua từng chuyến đi.",
    ),
    ("Tắt đèn", "Ngô Tất Tố", 2017, ["8"], "Số phận chị Dậu và người nông dân trước Cách mạng tháng Tám."),
    ("Số đỏ", "Vũ Trọng Phụng", 2016, ["11"], "Tiểu thuyết trào phúng về xã hội thành thị những năm 1930."),
    ("Lão Hạc", "Nam Cao", 2016, ["8"], "Truyện ngắn về người nông dân nghèo giàu lòng tự trọng."),
    ("Chí Phèo", "Nam Cao", 2016, ["11"], "Bi kịch của người nông dân bị tha hóa."),
    ("Vợ nhặt", "Kim Lân", 2015, ["12"], "Tình người trong nạn đói năm 1945."),
    (
        "Những ngôi sao xa xôi",
        "Lê Minh Khuê",
        2018,
        ["9"],
        "Ba cô gái thanh niên xung phong trên tuyến đường Trường Sơn.",
    ),
    ("Quê nội", "Võ Quảng", 2017, ["5", "6"], "Tuổi thơ ở một làng quê miền Trung sau Cách mạng."),
    ("Tuổi thơ dữ dội", "Phùng Quán", 2019, ["8", "9"], "Những thiếu niên trinh sát của Trung đoàn Trần Cao Vân."),
    (
        "Cho tôi xin một vé đi tuổi thơ",
        "Nguyễn Nhật Ánh",
        2020,
        ["6", "7", "8"],
        "Một chuyến đi trở lại tuổi thơ đầy hồn nhiên.",
    ),
    (
        "Tôi thấy hoa vàng trên cỏ xanh",
        "Nguyễn Nhật Ánh",
        2018,
        ["6", "7"],
        "Câu chuyện về anh em Thiều và Tường ở làng quê.",
    ),
    (
        "Kính vạn hoa",
        "Nguyễn Nhật Ánh",
        2021,
        ["5", "6"],
        "Những chuyện vui của nhóm bạn Quý ròm, Tiểu Long và nhỏ Hạnh.",
    ),
    ("Góc sân và khoảng trời", "Trần Đăng Khoa", 2017, ["3", "4"], "Tập thơ thiếu nhi viết về làng quê."),
    ("Bến quê", "Nguyễn Minh Châu", 2016, ["9"], "Truyện ngắn về những vẻ đẹp bình dị gần gũi."),
    ("Chiếc lược ngà", "Nguyễn Quang Sáng", 2018, ["9"], "Tình cha con trong những năm kháng chiến."),
    ("Làng", "Kim Lân", 2016, ["9"], "Tình yêu làng quê và đất nước của ông Hai."),
    (
        "Sự tích Hồ Gươm",
        "Nhiều tác giả",
        2020,
        ["1", "2"],
        "Truyện truyền thuyết kể về thanh gươm thần trả lại Rùa Vàng.",
    ),
    ("Thánh Gióng", "Nhiều tác giả", 2020, ["2", "3", "6"], "Truyền thuyết về người anh hùng làng Gióng."),
    ("Sơn Tinh, Thủy Tinh", "Nhiều tác giả", 2020, ["2", "6"], "Truyền thuyết giải thích hiện tượng lũ lụt hằng năm."),
    (
        "Hoàng tử bé",
        "Antoine de Saint-Exupéry",
        2019,
        ["6", "7", "8", "9"],
        "Bản dịch tiếng Việt của câu chuyện về cậu bé đến từ tiểu hành tinh B612.",
    ),
    (
        "Nhật ký Đặng Thùy Trâm",
        "Đặng Thùy Trâm",
        2015,
        ["11", "12"],
        "Nhật ký của nữ bác sĩ trên chiến trường Đức Phổ.",
    ),
    ("Hai đứa trẻ", "Thạch Lam", 2016, ["11"], "Bức tranh phố huyện nghèo lúc chiều tàn."),
    ("Người lái đò sông Đà", "Nguyễn Tuân", 2016, ["12"], "Tùy bút về con sông Đà hung bạo và trữ tình."),
    (
        "Đội thiếu niên tình báo Bát Sắt",
        "Phạm Thắng",
        2018,
        ["7", "8"],
        "Chuyện những thiếu niên làm liên lạc trong kháng chiến.",
    ),
    (
        "Bí mật của nước",
        "Nhiều tác giả",
        2021,
        ["preschool", "1"],
        "Sách tranh khoa học cho thiếu nhi về vòng tuần hoàn của nước.",
    ),
    ("Gấu con chia quà", "Nhiều tác giả", 2022, ["preschool"], "Truyện tranh dạy trẻ biết chia sẻ."),
    ("Cáo, thỏ và gà trống", "Nhiều tác giả", 2022, ["preschool"], "Truyện cổ tích cho trẻ mầm non."),
    ("Đôi bạn tốt", "Nhiều tác giả", 2022, ["preschool"], "Câu chuyện về tình bạn của Vịt con và Gà con."),
]

COMMUNITY = [
    (
        "Kỹ năng số cho người cao tuổi",
        MaterialKind.ONLINE_LESSON,
        "Dùng điện thoại thông minh, gọi video và tránh lừa đảo trực tuyến.",
    ),
    (
        "Sử dụng Cổng dịch vụ công quốc gia",
        MaterialKind.ONLINE_LESSON,
        "Nộp hồ sơ trực tuyến từng bước, có hình minh họa.",
    ),
    (
        "Thanh toán không dùng tiền mặt an toàn",
        MaterialKind.VIDEO,
        "Video hướng dẫn chuyển khoản, mã QR và bảo vệ tài khoản.",
    ),
    (
        "Luật Giao thông đường bộ: những điều cần biết",
        MaterialKind.TEACHING_DOCUMENT,
        "Tài liệu tuyên truyền pháp luật cho người dân.",
    ),
    (
        "Phòng chống sốt xuất huyết tại gia đình",
        MaterialKind.VIDEO,
        "Diệt lăng quăng, nhận biết dấu hiệu bệnh và khi nào cần đi khám.",
    ),
    ("Sơ cứu ban đầu khi bị bỏng", MaterialKind.VIDEO, "Các bước sơ cứu đúng cách tại nhà."),
    (
        "Tiếng Anh giao tiếp cho người bán hàng",
        MaterialKind.ELEARNING_LECTURE,
        "Bài giảng tương tác với các tình huống mua bán.",
    ),
    ("Nấu ăn dinh dưỡng cho trẻ nhỏ", MaterialKind.VIDEO, "Thực đơn tuần và cách chế biến giữ chất."),
    ("Trồng rau sạch trên sân thượng", MaterialKind.DIGITISED_BOOK, "Sổ tay làm vườn đô thị."),
    (
        "Quyền và nghĩa vụ của công dân về bảo vệ dữ liệu cá nhân",
        MaterialKind.TEACHING_DOCUMENT,
        "Giới thiệu Nghị định 13/2023/NĐ-CP.",
    ),
    ("Khởi nghiệp kinh doanh nhỏ tại nhà", MaterialKind.EBOOK, "Lập kế hoạch, tính giá và bán hàng trực tuyến."),
    ("Chăm sóc sức khỏe người cao tuổi", MaterialKind.AUDIOBOOK, "Sách nói về dinh dưỡng, vận động và giấc ngủ."),
    ("Ảnh tư liệu: Phú Nhuận xưa và nay", MaterialKind.IMAGE, "Bộ ảnh so sánh các con đường của quận qua các thời kỳ."),
    ("Bản đồ hành chính TP. Hồ Chí Minh", MaterialKind.IMAGE, "Bản đồ các quận, phường của thành phố."),
    (
        "Tin học văn phòng cơ bản",
        MaterialKind.ELEARNING_LECTURE,
        "Soạn thảo văn bản và bảng tính cho người mới bắt đầu.",
    ),
    ("Điện dân dụng an toàn trong gia đình", MaterialKind.VIDEO, "Kiểm tra ổ cắm, cầu dao và phòng chống cháy nổ."),
]

VOCATIONAL = [
    ("Giáo trình Điện dân dụng", "Nhiều tác giả", MaterialKind.PRINTED_BOOK),
    ("Giáo trình Tin học văn phòng", "Nhiều tác giả", MaterialKind.PRINTED_BOOK),
    ("Kỹ thuật sửa chữa xe máy", "Nhiều tác giả", MaterialKind.DIGITISED_BOOK),
    ("Nghiệp vụ pha chế đồ uống", "Nhiều tác giả", MaterialKind.EBOOK),
    ("Kỹ thuật may căn bản", "Nhiều tác giả", MaterialKind.VIDEO),
]

LESSON_TOPICS = {
    "toan": ["Phân số", "Số thập phân", "Tỉ số phần trăm", "Hình học trực quan", "Thống kê và xác suất"],
    "tieng-viet": ["Luyện từ và câu", "Tập làm văn", "Kể chuyện", "Chính tả"],
    "ngu-van": ["Truyện đồng thoại", "Thơ lục bát", "Văn bản nghị luận", "Truyện ngắn hiện đại"],
    "khoa-hoc-tu-nhien": ["Các thể của chất", "Tế bào", "Năng lượng", "Ánh sáng"],
    "ngoai-ngu-1": ["My family", "School life", "Food and drink", "Travelling"],
    "lich-su-va-dia-li": ["Thiên nhiên Việt Nam", "Các triều đại phong kiến", "Đô thị phương Nam"],
    "khoa-hoc": ["Nước và không khí", "Thực vật và động vật", "Năng lượng mặt trời"],
}


@dataclass
class RecordSpec:
    title: str
    kind: str
    library_code: str
    authors: list[tuple[str, str]] = field(default_factory=list)
    year: int = 2022
    publisher: str = ""
    summary: str = ""
    subjects: list[str] = field(default_factory=list)
    grades: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    access: str = AccessLevel.PUBLIC
    ddc: str = ""
    language: str = "vi"
    copies: int = 0
    licences: int | None = None


def _school_for(grade: str) -> str:
    if grade == "preschool" or grade.isdigit() and int(grade) <= 5:
        return "th-pham-ngoc-thach"
    if int(grade) <= 9:
        return "thcs-cau-kieu"
    return "gdnn-gdtx-phu-nhuan"


def _specs(rng: random.Random) -> list[RecordSpec]:
    specs: list[RecordSpec] = []
    for title, author, year, grades, summary in LITERATURE:
        owner = _school_for(grades[0])
        specs.append(
            RecordSpec(
                title,
                MaterialKind.PRINTED_BOOK,
                owner,
                [(author, "author")],
                year,
                rng.choice(PUBLISHERS[1:4]),
                summary,
                ["ngu-van"] if grades[0] not in {"preschool", "1", "2", "3", "4", "5"} else ["tieng-viet"],
                grades,
                ["văn học Việt Nam"],
                ddc="895.922",
                copies=rng.randint(2, 4),
            )
        )
        if len(specs) % 3 == 0:
            specs.append(
                RecordSpec(
                    f"Sách nói: {title}",
                    MaterialKind.AUDIOBOOK,
                    owner,
                    [(author, "author")],
                    2023,
                    "Thư viện số TP. Hồ Chí Minh",
                    summary,
                    specs[-1].subjects,
                    grades,
                    ["sách nói"],
                )
            )
        if len(specs) % 4 == 0:
            specs.append(
                RecordSpec(
                    title,
                    MaterialKind.EBOOK,
                    owner,
                    [(author, "author")],
                    year + 3,
                    rng.choice(PUBLISHERS[1:4]),
                    summary,
                    specs[-1].subjects,
                    grades,
                    ["sách điện tử"],
                    access=AccessLevel.READERS,
                    licences=2,
                )
            )

    subjects = list(Subject.objects.prefetch_related("grades"))
    for subject in subjects:
        for grade in subject.grades.all():
            owner = _school_for(grade.code)
            series = SERIES[(subject.sort_order + grade.sort_order) % len(SERIES)]
            label = subject.name if grade.code != "preschool" else "Bé vui học"
            grade_label = f" {grade.code}" if grade.code != "preschool" else ""
            specs.append(
                RecordSpec(
                    f"{label}{grade_label} ({series})",
                    MaterialKind.DIGITISED_BOOK,
                    owner,
                    [("Nhiều tác giả", "editor")],
                    2022 + grade.sort_order % 3,
                    PUBLISHERS[0],
                    f"Sách giáo khoa {label.lower()}{grade_label} theo Chương trình giáo dục phổ thông 2018, "
                    f"bộ sách {series}.",
                    [subject.code],
                    [grade.code],
                    ["sách giáo khoa"],
                    copies=1 if grade.sort_order % 2 else 0,
                )
            )
            for number, topic in enumerate(LESSON_TOPICS.get(subject.code, [])[:2], start=1):
                if grade.code in {"preschool", "10", "11", "12"}:
                    continue
                specs.append(
                    RecordSpec(
                        f"Kế hoạch bài dạy {subject.name}{grade_label}: {topic}",
                        MaterialKind.LESSON_PLAN,
                        owner,
                        [("Tổ chuyên môn " + subject.name, "author")],
                        2024,
                        "",
                        f"Kế hoạch bài dạy chủ đề {topic.lower()}.",
                        [subject.code],
                        [grade.code],
                        ["kế hoạch bài dạy"],
                        access=AccessLevel.STAFF,
                    )
                )
                kind = MaterialKind.ELEARNING_LECTURE if number == 1 else MaterialKind.VIDEO
                specs.append(
                    RecordSpec(
                        f"{'Bài giảng E-learning' if number == 1 else 'Video bài học'}: "
                        f"{topic} ({subject.name}{grade_label})",
                        kind,
                        owner,
                        [("Giáo viên " + subject.name, "author")],
                        2024,
                        "",
                        f"Học liệu số chủ đề {topic.lower()} cho học sinh lớp{grade_label}.",
                        [subject.code],
                        [grade.code],
                        ["học liệu số"],
                    )
                )
            if subject.code in {"toan", "ngu-van", "tieng-viet", "ngoai-ngu-1"} and grade.code not in {"preschool"}:
                specs.append(
                    RecordSpec(
                        f"Đề kiểm tra giữa học kì I {subject.name}{grade_label}",
                        MaterialKind.TEACHING_DOCUMENT,
                        owner,
                        [("Tổ chuyên môn " + subject.name, "author")],
                        2025,
                        "",
                        "Đề và đáp án tham khảo.",
                        [subject.code],
                        [grade.code],
                        ["đề kiểm tra"],
                        access=AccessLevel.READERS,
                    )
                )

    for title, kind, summary in COMMUNITY:
        specs.append(
            RecordSpec(
                title,
                kind,
                "tthtcd-phuong-13",
                [("Trung tâm học tập cộng đồng Phường 13", "author")],
                2025,
                "",
                summary,
                [],
                [],
                ["học tập suốt đời"],
                copies=1 if kind == MaterialKind.DIGITISED_BOOK else 0,
            )
        )
    for title, author, kind in VOCATIONAL:
        specs.append(
            RecordSpec(
                title,
                kind,
                "gdnn-gdtx-phu-nhuan",
                [(author, "editor")],
                2021,
                PUBLISHERS[0],
                "Tài liệu học nghề ngắn hạn.",
                ["cong-nghe"],
                ["10", "11", "12"],
                ["giáo dục nghề nghiệp"],
                copies=3 if kind == MaterialKind.PRINTED_BOOK else 0,
            )
        )
    return specs


def _isbn13(first12: str) -> str:
    total = sum(int(ch) * (1 if i % 2 == 0 else 3) for i, ch in enumerate(first12))
    return first12 + str((10 - total % 10) % 10)


PDF_KINDS = {MaterialKind.DIGITISED_BOOK, MaterialKind.EBOOK, MaterialKind.TEACHING_DOCUMENT, MaterialKind.LESSON_PLAN}
COVER_KINDS = {MaterialKind.PRINTED_BOOK, MaterialKind.EBOOK, MaterialKind.AUDIOBOOK}


def _attach_file(record: Record, spec: RecordSpec, shared: dict[str, str], subject_name: str) -> None:
    """Give a digital record its file: a PDF, a WAV, a PNG, or a link for video and
    e-learning (the demo cannot encode video)."""
    if spec.kind in PDF_KINDS:
        key = (
            f"pdf:{spec.title}"
            if not spec.subjects or spec.kind != MaterialKind.DIGITISED_BOOK
            else f"pdf:{subject_name}"
        )
        fmt, make = (
            DigitalFormat.PDF,
            lambda: draw_pdf(
                title=spec.title if key.startswith("pdf:" + spec.title) else subject_name,
                pages=[
                    spec.summary or spec.title,
                    "Mục lục",
                    "Bài 1. " + (spec.keywords[0] if spec.keywords else "Mở đầu"),
                ],
            ),
        )
        extension = "pdf"
    elif spec.kind == MaterialKind.AUDIOBOOK:
        key, fmt, make, extension = "wav", DigitalFormat.AUDIO, lambda: draw_wav(seconds=2.0), "wav"
    elif spec.kind == MaterialKind.IMAGE:
        key, fmt, extension = f"png:{spec.title}", DigitalFormat.IMAGE, "png"
        make = lambda: draw_cover(title=spec.title, palette=len(spec.title), size=(800, 600))  # noqa: E731
    elif spec.kind in {MaterialKind.VIDEO, MaterialKind.ELEARNING_LECTURE, MaterialKind.ONLINE_LESSON}:
        DigitalFile.objects.create(
            record=record,
            label="Xem trực tuyến",
            format=DigitalFormat.LINK,
            url=f"https://hoclieu.example.edu.vn/{record.code.lower()}",
        )
        return
    else:
        return
    digital_file = DigitalFile(record=record, label="Toàn văn" if fmt == DigitalFormat.PDF else "", format=fmt)
    digital_file.licence_count = spec.licences
    if key in shared:
        digital_file.file.name = shared[key]
        digital_file.size_bytes = digital_file.file.size
    else:
        data = make()
        digital_file.file.save(f"demo-{record.code.lower()}.{extension}", ContentFile(data), save=False)
        digital_file.size_bytes = len(data)
        shared[key] = digital_file.file.name
    digital_file.mime_type = {"pdf": "application/pdf", "wav": "audio/wav", "png": "image/png"}[extension]
    if extension == "pdf":
        digital_file.page_count = 4
    if extension == "wav":
        digital_file.duration_seconds = 2
    digital_file.save()


def _lesson_units(records_by_title: dict[str, Record]) -> None:
    for subject in Subject.objects.filter(code__in=LESSON_TOPICS).prefetch_related("grades"):
        for grade in subject.grades.exclude(code__in=["preschool", "10", "11", "12"]):
            for number, topic in enumerate(LESSON_TOPICS[subject.code], start=1):
                unit, _created = LessonUnit.objects.get_or_create(
                    subject=subject, grade=grade, number=number, defaults={"title": topic}
                )
                suffix = f"{subject.name} {grade.code}"
                serving = [record for title, record in records_by_title.items() if topic in title and suffix in title]
                if serving and not unit.records.exists():
                    unit.records.set(serving)
                    unit.save()


@transaction.atomic
def load(*, stdout) -> dict:
    rng = random.Random(2026)
    libraries = {library.code: library for library in Library.objects.all()}
    subjects = {subject.code: subject for subject in Subject.objects.all()}
    grades = {grade.code: grade for grade in Grade.objects.all()}
    school_codes = [
        code
        for code in ("thcs-cau-kieu", "th-pham-ngoc-thach", "gdnn-gdtx-phu-nhuan", "tthtcd-phuong-13")
        if code in libraries
    ]
    shared_files: dict[str, str] = {}
    records_by_title: dict[str, Record] = {}
    created = 0
    for index, spec in enumerate(_specs(rng)):
        library = libraries.get(spec.library_code)
        if library is None:
            continue
        existing = Record.objects.filter(library=library, title=spec.title, kind=spec.kind).first()
        if existing:
            records_by_title[spec.title] = existing
            continue
        record = Record(
            title=spec.title,
            kind=spec.kind,
            library=library,
            year=spec.year,
            publisher=spec.publisher,
            summary=spec.summary,
            access_level=spec.access,
            ddc=spec.ddc,
            language=spec.language,
            isbn=_isbn13(f"978604{index:06d}") if spec.publisher and spec.kind in COVER_KINDS | PDF_KINDS else "",
            licence_note="Bản quyền thuộc nhà xuất bản; chỉ dùng cho mục đích học tập." if spec.licences else "",
        )
        # Everything of a ClusterableModel (contributors, subjects, grades, keywords) is
        # set in memory first and written by one save().
        record.contributors = [
            RecordContributor(name=name, role=role, sort_order=order) for order, (name, role) in enumerate(spec.authors)
        ]
        record.subjects = [subjects[code] for code in spec.subjects if code in subjects]
        record.grades = [grades[code] for code in spec.grades if code in grades]
        record.keywords.add(*spec.keywords)
        if spec.kind in COVER_KINDS and library.collection_id:
            record.cover = generated_image(
                collection=library.collection,
                title=f"Bìa: {spec.title} ({MaterialKind(spec.kind).label})",
                description=f"Bìa sách {spec.title}",
                filename=f"bia-{library.code}-{index}.png",
                draw=lambda spec=spec, index=index: draw_cover(
                    title=spec.title, author=spec.authors[0][0] if spec.authors else "", palette=index
                ),
            )
        record.save()
        record_refresh_match_key(record=record)
        if spec.copies:
            barcodes = copy_barcodes_reserve(count=spec.copies)
            holders = [library] + [libraries[code] for code in rng.sample(school_codes, k=len(school_codes))]
            for number, barcode in enumerate(barcodes):
                holder = holders[number % len(holders)]
                Copy.objects.create(
                    record=record,
                    library=holder,
                    barcode=barcode,
                    call_number=f"{spec.ddc or '371.3'} {spec.title[:1].upper()}",
                    shelf_location=rng.choice(["Kệ A1", "Kệ A2", "Kệ B1", "Kệ thiếu nhi", "Kệ tham khảo"]),
                    status=CopyStatus.AVAILABLE,
                )
        subject_name = subjects[spec.subjects[0]].name if spec.subjects and spec.subjects[0] in subjects else ""
        _attach_file(record, spec, shared_files, subject_name)
        records_by_title[spec.title] = record
        created += 1
    _lesson_units(records_by_title)
    stdout.write(f"  catalog: {created} new records ({Record.objects.count()} in all), {Copy.objects.count()} copies")
    return {"created": created}
