import datetime

from django.utils import timezone

import factory
import wagtail_factories

from community_courses.models import (
    CourseIndexPage,
    CoursePage,
    CourseTopic,
    LessonPage,
    PracticeSession,
    QuestionKind,
    SurveyQuestion,
    SurveyTemplate,
)


class CourseIndexPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = CourseIndexPage

    title = "Khóa học trực tuyến"
    slug = "khoa-hoc"
    live = True


class CoursePageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = CoursePage

    title = factory.Sequence(lambda n: f"Kỹ năng số cơ bản, khóa {n}")
    slug = factory.Sequence(lambda n: f"ky-nang-so-{n}")
    summary = "Dùng điện thoại thông minh an toàn."
    topic = CourseTopic.DIGITAL_SKILLS
    live = True


class LessonPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = LessonPage

    title = factory.Sequence(lambda n: f"Bài {n}")
    slug = factory.Sequence(lambda n: f"bai-{n}")
    summary = "Bài học ngắn."
    live = True


class SurveyTemplateFactory(factory.django.DjangoModelFactory):
    """A template; pass ``questions=[(kind, text, choices), …]`` to add questions."""

    class Meta:
        model = SurveyTemplate
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Khảo sát mức độ hài lòng {n}")
    library = None

    @factory.post_generation
    def questions(self, create, extracted, **kwargs):
        if create and extracted:
            for order, (kind, text, choices) in enumerate(extracted):
                SurveyQuestion.objects.create(template=self, kind=kind, text=text, choices=choices, sort_order=order)


class PracticeSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PracticeSession

    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=2))
    capacity = 2
    place = "Phòng máy tầng 2"
    library = factory.LazyAttribute(lambda o: o.course.centre)


LIKERT = QuestionKind.LIKERT
