from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from library_site.portals import views as portal_views

urlpatterns = [
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("healthz", portal_views.healthz, name="healthz"),
    path("catalog/", include("catalog.urls")),
    path("", include("lending.urls")),  # /ban-doc/ (readers), /lending/kiosk/, /tim-kiem/tai-lieu/<pk>/
    path("hoc-tap/", include("community_courses.urls")),
    path("", include("search.urls")),  # /tim-kiem/ (online catalog) and /api/search/
]

if settings.DEBUG:
    from django.conf.urls.static import static  # serving media from Django: development only

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Everything else is a Wagtail page, served by the Site matching the request's host
# (the city landing site is the default for unknown hosts).
urlpatterns += [path("", include(wagtail_urls))]
