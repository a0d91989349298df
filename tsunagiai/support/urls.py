from django.urls import path

from tsunagiai.support import views

app_name = "support"

urlpatterns = [
    path("cases/<int:case_id>/assessment/", views.assessment, name="assessment"),
    path("cases/<int:case_id>/assessment/<int:person_id>/", views.assessment_edit, name="assessment_edit"),
    path("cases/<int:case_id>/plan/", views.plan, name="plan"),
    path("cases/<int:case_id>/plan/revise/", views.plan_revise, name="plan_revise"),
    path("cases/<int:case_id>/plan/compare/", views.plan_compare, name="plan_compare"),
    path("cases/<int:case_id>/plan/actions/<int:action_id>/status/", views.action_status, name="action_status"),
    path("households/<int:household_id>/records/new/", views.record_create, name="record_create"),
    path("households/<int:household_id>/timeline/", views.household_timeline, name="household_timeline"),
    path("records/<int:record_id>/correct/", views.record_correct, name="record_correct"),
    path("conferences/", views.conference_list, name="conference_list"),
    path("conferences/new/", views.conference_create, name="conference_create"),
    path("conferences/<int:conference_id>/", views.conference_detail, name="conference_detail"),
    path("conferences/<int:conference_id>/minutes/", views.conference_minutes, name="conference_minutes"),
    path("conferences/<int:conference_id>/agenda/", views.conference_add_case, name="conference_add_case"),
    path(
        "conferences/<int:conference_id>/decisions/",
        views.conference_decision_create,
        name="conference_decision_create",
    ),
    path(
        "conferences/<int:conference_id>/decisions/<int:decision_id>/confirm/",
        views.conference_decision_confirm,
        name="conference_decision_confirm",
    ),
    path(
        "conferences/<int:conference_id>/decisions/<int:decision_id>/withdraw/",
        views.conference_decision_withdraw,
        name="conference_decision_withdraw",
    ),
]
