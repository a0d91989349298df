from django.urls import path

from tsunagiai.emergency import views

app_name = "emergency"

urlpatterns = [
    path("<str:kind>/<int:object_id>/", views.start, name="start"),
]
