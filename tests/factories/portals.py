import datetime

import factory
import wagtail_factories

from library_site.portals.models import ActivityKind, ActivityPostPage


class ActivityPostPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = ActivityPostPage

    title = factory.Sequence(lambda n: f"Giờ kể chuyện số {n}")
    slug = factory.Sequence(lambda n: f"gio-ke-chuyen-{n}")
    kind = ActivityKind.STORYTELLING
    date_start = factory.Sequence(lambda n: datetime.date(2026, 1, 1) + datetime.timedelta(days=n))
    summary = "Cô thủ thư kể chuyện cổ tích cho các bạn lớp 1."
    live = True
