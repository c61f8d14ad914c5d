from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("files/<int:pk>/", views.digital_file, name="digital_file"),
    # The same view; the name only makes "Save as…" propose a readable file name.
    path("files/<int:pk>/<str:filename>", views.digital_file, name="digital_file_named"),
]
