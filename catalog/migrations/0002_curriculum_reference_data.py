"""Grades (preschool, 1–12) and the subjects of the 2018 general education curriculum
(Chương trình giáo dục phổ thông 2018), with the grades each subject is taught in.

The data is written out here, not imported from app code, so this migration keeps its
meaning whatever the code becomes."""

from django.db import migrations

GRADES = [("preschool", "Mầm non", "preschool", 0)] + [
    (str(n), f"Lớp {n}", "primary" if n <= 5 else "lower_secondary" if n <= 9 else "upper_secondary", n)
    for n in range(1, 13)
]

P = list(range(1, 6))
L = list(range(6, 10))
U = list(range(10, 13))

# code, Vietnamese name, English name, grades
SUBJECTS = [
    ("phat-trien-toan-dien-mam-non", "Giáo dục mầm non (các lĩnh vực phát triển)", "Preschool development areas", ["preschool"]),
    ("tieng-viet", "Tiếng Việt", "Vietnamese language", P),
    ("ngu-van", "Ngữ văn", "Literature", L + U),
    ("toan", "Toán", "Mathematics", P + L + U),
    ("ngoai-ngu-1", "Ngoại ngữ 1 (Tiếng Anh)", "Foreign language 1 (English)", [3, 4, 5] + L + U),
    ("dao-duc", "Đạo đức", "Ethics", P),
    ("tu-nhien-va-xa-hoi", "Tự nhiên và Xã hội", "Nature and society", [1, 2, 3]),
    ("khoa-hoc", "Khoa học", "Science", [4, 5]),
    ("lich-su-va-dia-li", "Lịch sử và Địa lí", "History and geography", [4, 5] + L),
    ("khoa-hoc-tu-nhien", "Khoa học tự nhiên", "Natural science", L),
    ("giao-duc-cong-dan", "Giáo dục công dân", "Civic education", L),
    ("tin-hoc-va-cong-nghe", "Tin học và Công nghệ", "Informatics and technology", [3, 4, 5]),
    ("tin-hoc", "Tin học", "Informatics", L + U),
    ("cong-nghe", "Công nghệ", "Technology", L + U),
    ("giao-duc-the-chat", "Giáo dục thể chất", "Physical education", P + L + U),
    ("am-nhac", "Âm nhạc", "Music", P + L + U),
    ("mi-thuat", "Mĩ thuật", "Fine arts", P + L + U),
    ("hoat-dong-trai-nghiem", "Hoạt động trải nghiệm, hướng nghiệp", "Experiential and career activities", P + L + U),
    ("giao-duc-dia-phuong", "Nội dung giáo dục địa phương", "Local education content", [*P, *L, *U]),
    ("lich-su", "Lịch sử", "History", U),
    ("dia-li", "Địa lí", "Geography", U),
    ("giao-duc-kinh-te-va-phap-luat", "Giáo dục kinh tế và pháp luật", "Economics and law education", U),
    ("vat-li", "Vật lí", "Physics", U),
    ("hoa-hoc", "Hóa học", "Chemistry", U),
    ("sinh-hoc", "Sinh học", "Biology", U),
    ("giao-duc-quoc-phong-va-an-ninh", "Giáo dục quốc phòng và an ninh", "National defence and security", U),
]


def seed(apps, schema_editor):
    Grade = apps.get_model("catalog", "Grade")
    Subject = apps.get_model("catalog", "Subject")
    grades = {}
    for code, name, level, order in GRADES:
        grades[code], _ = Grade.objects.get_or_create(
            code=code, defaults={"name": name, "level": level, "sort_order": order}
        )
    for order, (code, name, name_en, taught_in) in enumerate(SUBJECTS):
        subject, _ = Subject.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "sort_order": order}
        )
        subject.grades.set([grades[str(g)] for g in taught_in])


def unseed(apps, schema_editor):
    apps.get_model("catalog", "Subject").objects.filter(code__in=[s[0] for s in SUBJECTS]).delete()
    apps.get_model("catalog", "Grade").objects.filter(code__in=[g[0] for g in GRADES]).delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
