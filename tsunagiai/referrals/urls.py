from django.urls import path

from tsunagiai.referrals import views

app_name = "referrals"

urlpatterns = [
    path("", views.referral_list, name="list"),
    path("from-intake/<int:intake_id>/", views.create_from_intake, name="create_from_intake"),
    path("from-case/<int:case_id>/", views.create_from_case, name="create_from_case"),
    path("<int:referral_id>/", views.referral_detail, name="detail"),
    path("<int:referral_id>/transition/", views.referral_transition, name="transition"),
]
