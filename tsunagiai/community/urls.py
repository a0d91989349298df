from django.urls import path

from tsunagiai.community import views

app_name = "community"

urlpatterns = [
    path("cases/<int:case_id>/resources/", views.find_resources, name="find_resources"),
    path("cases/<int:case_id>/participations/", views.participation_create, name="participation_create"),
    path(
        "participations/<int:participation_id>/transition/",
        views.participation_transition,
        name="participation_transition",
    ),
    path("help/", views.help_list, name="help_list"),
    path("help/new/", views.help_create, name="help_create"),
    path("help/<int:help_request_id>/", views.help_detail, name="help_detail"),
    path("help/<int:help_request_id>/assign/", views.help_assign, name="help_assign"),
    path("help/<int:help_request_id>/close/", views.help_close, name="help_close"),
    path("groups/", views.group_stats, name="group_stats"),
    path("groups/members/", views.group_member_add, name="group_member_add"),
    path("groups/members/leave/", views.group_member_leave, name="group_member_leave"),
    path("volunteers/", views.volunteer_list, name="volunteer_list"),
    path("volunteers/new/", views.volunteer_create, name="volunteer_create"),
    path("volunteers/<int:volunteer_id>/", views.volunteer_edit, name="volunteer_edit"),
]
