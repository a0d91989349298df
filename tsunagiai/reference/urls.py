from django.urls import path

from tsunagiai.reference import views

app_name = "reference"

urlpatterns = [
    path("", views.organisation_list, name="index"),
    path("organisations/<int:organisation_id>/", views.organisation_detail, name="organisation_detail"),
    path("areas/", views.area_tree, name="area_tree"),
]
