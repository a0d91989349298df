from django.urls import path

from tsunagiai.consent import views

app_name = "consent"

urlpatterns = [
    path("people/<int:person_id>/", views.person_consents, name="person_consents"),
    path("people/<int:person_id>/new/", views.record, name="record"),
    path("<int:consent_id>/withdraw/", views.withdraw, name="withdraw"),
]
