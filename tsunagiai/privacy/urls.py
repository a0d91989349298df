from django.urls import path

from tsunagiai.privacy import views

app_name = "privacy"

urlpatterns = [
    path("people/<int:person_id>/", views.person_privacy, name="person"),
    path("people/<int:person_id>/suspend/", views.suspend, name="suspend"),
    path("people/<int:person_id>/lift/", views.lift, name="lift"),
    path("people/<int:person_id>/disclose/", views.disclose, name="disclose"),
]
