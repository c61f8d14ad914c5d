"""Demo libraries, their portals, activity posts and staff accounts.

Deterministic and idempotent: objects are looked up by their natural keys (library
code, page slug, image title, username) and created only when missing, so a second run
changes nothing."""

import datetime
import os
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction

from library_site.demo.images import draw_logo, draw_poster, generated_image
from library_site.libraries.models import Library, LibraryKind, Officer, OfficerLevel, OpeningHours

from .models import AboutPage, ActivityIndexPage, ActivityKind, ActivityPostPage
from .services import city_landing_ensure, library_portal_provision

DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "thuvien-demo-2026")
OFFICER_USERNAME = "canbo.quan"
ADMIN_USERNAME = "admin"
DEMO_PORT = int(os.environ.get("PORTAL_PORT", "8000"))


@dataclass
class DemoPost:
    slug: str
    title: str
    kind: str
    date: datetime.date
    summary: str
    paragraphs: list[str]
    location: str = ""
    days: int = 0


@dataclass
class DemoLibrary:
    code: str
    name: str
    short_name: str
    kind: str
    ward: str
    address: str
    phone: str
    email: str
    intro: str
    about: list[str]
    initials: str
    librarian: tuple[str, str, str]  # username, first name, last name
    hours: list[tuple[int, str, str]]
    hours_note: str
    posts: list[DemoPost] = field(default_factory=list)


def _weekdays(opens: str, closes: str, days=range(5)) -> list[tuple[int, str, str]]:
    return [(day, opens, closes) for day in days]


LIBRARIES = [
    DemoLibrary(
        code="thcs-cau-kieu",
        name="Thư viện Trường THCS Cầu Kiệu",
        short_name="THCS Cầu Kiệu",
        kind=LibraryKind.LOWER_SECONDARY,
        ward="Phường 1",
        address="15 Hoàng Minh Giám",
        phone="028 3844 1234",
        email="thuvien@thcscaukieu.edu.vn",
        intro="Thư viện thân thiện của học sinh Cầu Kiệu: sách in, sách điện tử, sách nói và bài giảng số "
        "cho mọi môn học từ lớp 6 đến lớp 9.",
        about=[
            "Thư viện Trường THCS Cầu Kiệu phục vụ hơn 1.200 học sinh và 80 giáo viên với khoảng 9.000 "
            "bản sách in cùng kho học liệu số dùng chung với các thư viện trường học và trung tâm học tập "
            "cộng đồng của thành phố.",
            "Mỗi học sinh, giáo viên được cấp thẻ bạn đọc mang mã số học sinh dưới dạng mã QR để mượn, "
            "trả sách tại quầy hoặc tại máy tự phục vụ.",
        ],
        initials="CK",
        librarian=("thuthu.caukieu", "Lan", "Nguyễn Thị"),
        hours=_weekdays("07:00", "11:30") + _weekdays("13:00", "16:30") + [(5, "07:30", "11:00")],
        hours_note="Nghỉ các ngày lễ, Tết theo lịch của trường.",
        posts=[
            DemoPost(
                "trien-lam-sach-bien-dao",
                "Triển lãm sách “Biển đảo quê hương”",
                ActivityKind.EXHIBITION,
                datetime.date(2025, 10, 6),
                "Hơn 300 đầu sách, bản đồ và ảnh tư liệu về biển đảo Việt Nam được trưng bày tại sảnh thư viện.",
                [
                    "Trong tuần lễ từ 6 đến 10 tháng 10, thư viện trưng bày sách, bản đồ và ảnh tư liệu về "
                    "chủ quyền biển đảo Việt Nam.",
                    "Học sinh tham quan theo lớp và làm phiếu tìm hiểu; các phiếu xuất sắc được trao thưởng "
                    "vào buổi chào cờ đầu tuần.",
                ],
                location="Sảnh thư viện, tầng 1",
                days=4,
            ),
            DemoPost(
                "gioi-thieu-sach-dat-rung-phuong-nam",
                "Giới thiệu sách: Đất rừng phương Nam",
                ActivityKind.BOOK_INTRODUCTION,
                datetime.date(2025, 11, 3),
                "Câu lạc bộ Đọc sách giới thiệu tác phẩm của nhà văn Đoàn Giỏi qua một buổi trò chuyện và trích đoạn.",
                [
                    "Cuộc phiêu lưu của bé An qua vùng đất Nam Bộ được các bạn lớp 7A3 kể lại bằng tranh vẽ "
                    "và các đoạn đọc diễn cảm.",
                    "Sách có tại thư viện ở dạng sách in và sách nói.",
                ],
            ),
            DemoPost(
                "ngay-hoi-doc-sach-2026",
                "Ngày hội đọc sách năm 2026",
                ActivityKind.READING_EVENT,
                datetime.date(2026, 4, 21),
                "Ngày Sách và Văn hóa đọc Việt Nam: đổi sách cũ lấy sách mới, thi kể chuyện và đố vui.",
                [
                    "Nhân Ngày Sách và Văn hóa đọc Việt Nam 21/4, thư viện tổ chức ngày hội với các gian "
                    "đổi sách, thi kể chuyện theo sách và đố vui có thưởng.",
                ],
                location="Sân trường",
            ),
            DemoPost(
                "thu-vien-so-mo-rong",
                "Thư viện số mở rộng học liệu lớp 6–9",
                ActivityKind.NEWS,
                datetime.date(2026, 9, 8),
                "Bổ sung bài giảng điện tử và video thí nghiệm cho môn Khoa học tự nhiên.",
                ["Học sinh đăng nhập bằng mã số học sinh để xem học liệu số tại nhà hoặc tại thư viện."],
            ),
        ],
    ),
    DemoLibrary(
        code="th-pham-ngoc-thach",
        name="Thư viện Trường Tiểu học Phạm Ngọc Thạch",
        short_name="TH Phạm Ngọc Thạch",
        kind=LibraryKind.PRIMARY,
        ward="Phường 9",
        address="52 Huỳnh Văn Bánh",
        phone="028 3845 5678",
        email="thuvien@thphamngocthach.edu.vn",
        intro="Góc đọc sách nhiều màu sắc cho các bạn nhỏ lớp 1 đến lớp 5, với truyện tranh, sách nói "
        "và giờ kể chuyện hằng tuần.",
        about=[
            "Thư viện đạt chuẩn thư viện thân thiện, có góc đọc mở ở mỗi tầng và phòng đọc đa phương tiện.",
            "Giờ kể chuyện sáng thứ Sáu hằng tuần dành cho học sinh lớp 1 và lớp 2.",
        ],
        initials="PNT",
        librarian=("thuthu.phamngocthach", "Hoa", "Trần Thị"),
        hours=_weekdays("07:00", "16:30"),
        hours_note="Nghỉ thứ Bảy, Chủ nhật và các ngày lễ.",
        posts=[
            DemoPost(
                "gio-ke-chuyen-thang-muoi",
                "Giờ kể chuyện: Sự tích cây vú sữa",
                ActivityKind.STORYTELLING,
                datetime.date(2025, 10, 17),
                "Cô thủ thư kể chuyện cổ tích kèm tranh minh họa cho các bạn lớp 1.",
                [
                    "Sau giờ kể chuyện, các bạn vẽ lại nhân vật mình yêu thích và treo tranh tại góc đọc.",
                ],
                location="Góc đọc tầng 2",
            ),
            DemoPost(
                "trien-lam-tranh-ve-sach",
                "Triển lãm tranh “Cuốn sách em yêu”",
                ActivityKind.EXHIBITION,
                datetime.date(2025, 12, 1),
                "120 bức tranh của học sinh về những cuốn sách các em yêu thích.",
                ["Triển lãm mở cửa cho phụ huynh tham quan vào giờ đón học sinh."],
                days=5,
            ),
            DemoPost(
                "gioi-thieu-sach-de-men",
                "Giới thiệu sách: Dế Mèn phiêu lưu ký",
                ActivityKind.BOOK_INTRODUCTION,
                datetime.date(2026, 3, 9),
                "Cùng Dế Mèn đi khắp thế giới loài vật qua sách in và sách nói của thư viện.",
                ["Các bạn lớp 4 đóng vai Dế Mèn, Dế Trũi và chị Nhà Trò trong phần giới thiệu sách."],
            ),
        ],
    ),
    DemoLibrary(
        code="tthtcd-phuong-13",
        name="Trung tâm học tập cộng đồng Phường 13",
        short_name="TTHTCĐ Phường 13",
        kind=LibraryKind.COMMUNITY_LEARNING_CENTRE,
        ward="Phường 13",
        address="126 Lê Văn Sỹ",
        phone="028 3991 2468",
        email="tthtcd.p13@phunhuan.hochiminhcity.gov.vn",
        intro="Học điều mình cần: khóa học trực tuyến, thư viện điện tử và máy tự phục vụ cho người dân phường 13.",
        about=[
            "Trung tâm học tập cộng đồng Phường 13 là nơi người dân học kỹ năng số, pháp luật, sức khỏe và "
            "ngoại ngữ qua các khóa học trực tuyến và các buổi thực hành.",
            "Thư viện điện tử của trung tâm liên thông với thư viện số các trường học trong quận, để người "
            "dân mượn sách và học liệu của trường lân cận.",
        ],
        initials="P13",
        librarian=("canbo.tthtcd13", "Minh", "Lê Văn"),
        hours=_weekdays("07:30", "11:30", days=range(6)) + _weekdays("13:30", "20:00", days=range(5)),
        hours_note="Buổi tối dành cho các lớp học và thực hành máy tính.",
        posts=[
            DemoPost(
                "khai-giang-ky-nang-so",
                "Khai giảng khóa “Kỹ năng số cho người cao tuổi”",
                ActivityKind.NEWS,
                datetime.date(2025, 9, 15),
                "Sử dụng điện thoại thông minh, dịch vụ công trực tuyến và phòng tránh lừa đảo qua mạng.",
                ["Khóa học gồm 6 bài trực tuyến và 2 buổi thực hành tại trung tâm."],
                location="Phòng máy tính",
            ),
            DemoPost(
                "ngay-hoi-doc-sach-cong-dong",
                "Ngày hội đọc sách cộng đồng",
                ActivityKind.READING_EVENT,
                datetime.date(2026, 4, 20),
                "Đọc sách cùng gia đình, giao lưu với tác giả và tặng sách cho thiếu nhi khu phố.",
                ["Người dân mang sách cũ đến đổi hoặc tặng tủ sách khu phố."],
                location="Sân trung tâm",
            ),
        ],
    ),
    DemoLibrary(
        code="gdnn-gdtx-phu-nhuan",
        name="Trung tâm GDNN-GDTX Quận Phú Nhuận",
        short_name="GDNN-GDTX Phú Nhuận",
        kind=LibraryKind.CONTINUING_EDUCATION,
        ward="Phường 10",
        address="30 Phan Đăng Lưu",
        phone="028 3995 1357",
        email="thuvien@gdtxphunhuan.edu.vn",
        intro="Thư viện và phòng thực hành cho học viên giáo dục thường xuyên và người học các khóa trực tuyến.",
        about=["Trung tâm là nơi thực hành của các khóa học trực tuyến do các trung tâm học tập cộng đồng tổ chức."],
        initials="TX",
        librarian=("thuthu.gdtx", "Tâm", "Phạm Minh"),
        hours=_weekdays("07:30", "17:00") + [(5, "07:30", "11:30")],
        hours_note="",
        posts=[
            DemoPost(
                "gioi-thieu-sach-nghe",
                "Giới thiệu tủ sách nghề: điện dân dụng và tin học văn phòng",
                ActivityKind.BOOK_INTRODUCTION,
                datetime.date(2026, 2, 23),
                "Tủ sách mới phục vụ học viên các lớp nghề ngắn hạn.",
                ["Sách, video hướng dẫn và bài tập thực hành có thể mượn tại thư viện trung tâm."],
            ),
        ],
    ),
]


def _rich(paragraphs: list[str]) -> list[tuple[str, str]]:
    return [("paragraph", f"<p>{text}</p>") for text in paragraphs]


def _opening_hours(library: Library, spec: DemoLibrary) -> None:
    if library.opening_hours.exists():
        return
    for sort_order, (weekday, opens, closes) in enumerate(sorted(spec.hours)):
        OpeningHours.objects.create(
            library=library,
            weekday=weekday,
            opens=datetime.time.fromisoformat(opens),
            closes=datetime.time.fromisoformat(closes),
            sort_order=sort_order,
        )


def _publish(page) -> None:
    page.save_revision().publish()


def _library_portal(spec: DemoLibrary, palette: int) -> Library:
    library, _created = Library.objects.get_or_create(
        code=spec.code,
        defaults={
            "name": spec.name,
            "short_name": spec.short_name,
            "kind": spec.kind,
            "district": "Quận Phú Nhuận",
            "ward": spec.ward,
            "address": spec.address,
            "phone": spec.phone,
            "email": spec.email,
            "opening_hours_note": spec.hours_note,
        },
    )
    _opening_hours(library, spec)
    home = library_portal_provision(library=library, port=DEMO_PORT)
    collection = library.collection

    if not home.hero_image_id:
        home.hero_image = generated_image(
            collection=collection,
            title=f"Ảnh bìa {spec.short_name}",
            description=f"Ảnh minh họa giá sách của {spec.name}",
            filename=f"{spec.code}-banner.png",
            draw=lambda: draw_poster(title=spec.name, palette=palette, size=(1600, 500), with_text=False),
        )
        home.intro = f"<p>{spec.intro}</p>"
        _publish(home)
    if not library.logo_id:
        library.logo = generated_image(
            collection=collection,
            title=f"Biểu trưng {spec.short_name}",
            description=f"Biểu trưng {spec.short_name}",
            filename=f"{spec.code}-logo.png",
            draw=lambda: draw_logo(initials=spec.initials, palette=palette),
        )
        library.save(update_fields=["logo"])

    about = AboutPage.objects.child_of(home).get()
    if not about.body:
        about.body = _rich(spec.about)
        _publish(about)

    index = ActivityIndexPage.objects.child_of(home).get()
    for number, post in enumerate(spec.posts):
        if ActivityPostPage.objects.child_of(index).filter(slug=post.slug).exists():
            continue
        cover = generated_image(
            collection=collection,
            title=post.title,
            description=post.summary,
            filename=f"{post.slug}.png",
            draw=lambda post=post, number=number: draw_poster(
                title=post.title, subtitle=spec.short_name, palette=palette + number
            ),
        )
        page = ActivityPostPage(
            title=post.title,
            slug=post.slug,
            kind=post.kind,
            date_start=post.date,
            date_end=post.date + datetime.timedelta(days=post.days) if post.days else None,
            location=post.location,
            summary=post.summary,
            cover_image=cover,
            body=_rich(post.paragraphs),
        )
        index.add_child(instance=page)
        _publish(page)
    return library


def _users(libraries: list[tuple[Library, DemoLibrary]]) -> list[tuple[str, str]]:
    User = get_user_model()
    logins = []
    if not User.objects.filter(username=ADMIN_USERNAME).exists():
        User.objects.create_superuser(ADMIN_USERNAME, "admin@thuvienso.local", DEMO_PASSWORD, first_name="Quản trị")
    logins.append((ADMIN_USERNAME, "quản trị toàn thành phố / city administrator"))
    for library, spec in libraries:
        username, first_name, last_name = spec.librarian
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(
                username, f"{username}@thuvienso.local", DEMO_PASSWORD, first_name=first_name, last_name=last_name
            )
        user.groups.add(library.staff_group)
        logins.append((username, f"thủ thư / librarian, {library.short_name}"))
    # An education officer of the first library's district: statistics only.
    district = libraries[0][0].district
    officer = User.objects.filter(username=OFFICER_USERNAME).first()
    if officer is None:
        officer = User.objects.create_user(
            OFFICER_USERNAME, f"{OFFICER_USERNAME}@thuvienso.local", DEMO_PASSWORD, first_name="Minh", last_name="Trần"
        )
    Officer.objects.get_or_create(user=officer, defaults={"level": OfficerLevel.DISTRICT, "district": district})
    logins.append((OFFICER_USERNAME, f"cán bộ quản lý / education officer, {district}"))
    return logins


@transaction.atomic
def load(*, stdout) -> dict:
    landing = city_landing_ensure(
        title="Thư viện số TP. Hồ Chí Minh",
        intro="<p>Mạng lưới thư viện trường học và trung tâm học tập cộng đồng: tìm, mượn và học "
        "cùng một kho học liệu dùng chung.</p>",
        hostname="localhost",
        port=DEMO_PORT,
    )
    libraries = []
    for palette, spec in enumerate(LIBRARIES):
        libraries.append((_library_portal(spec, palette), spec))
        stdout.write(f"  portal: {spec.name}")
    logins = _users(libraries)
    return {"landing": landing, "libraries": [library for library, _spec in libraries], "logins": logins}
