from django.urls import path

from tsunagiai.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("open/from-intake/<int:intake_id>/", views.open_from_intake, name="open_from_intake"),
    path("<int:case_id>/", views.case_detail, name="detail"),
    path("<int:case_id>/status/", views.change_status, name="change_status"),
    path("<int:case_id>/lead/", views.change_lead, name="change_lead"),
    path("<int:case_id>/lead-requests/", views.request_lead, name="request_lead"),
    path(
        "<int:case_id>/lead-requests/<int:request_id>/decision/",
        views.decide_lead_request,
        name="decide_lead_request",
    ),
    path("<int:case_id>/team/", views.add_team_member, name="add_team_member"),
    path("<int:case_id>/team/<int:member_id>/remove/", views.remove_team_member, name="remove_team_member"),
    path("<int:case_id>/flags/", views.set_flags, name="set_flags"),
]
