from django.urls import path

from tsunagiai.regional import views

app_name = "regional"

urlpatterns = [
    path("", views.issue_list, name="issue_list"),
    path("new/", views.issue_create, name="issue_create"),
    path("<int:issue_id>/", views.issue_detail, name="issue_detail"),
    path("<int:issue_id>/status/", views.issue_transition, name="issue_transition"),
    path("<int:issue_id>/resources/", views.issue_services, name="issue_services"),
    path("<int:issue_id>/meetings/", views.meeting_create, name="meeting_create"),
    path("network/", views.network, name="network"),
    path("network/events/", views.event_create, name="event_create"),
    path("map/", views.district_map, name="map"),
    path("cases/<int:case_id>/unmet-needs/", views.unmet_need_create, name="unmet_need_create"),
]
