from django.urls import path

from tsunagiai.people import views

app_name = "people"

urlpatterns = [
    path("", views.person_search, name="search"),
    path("new/", views.person_create, name="person_create"),
    path("<int:person_id>/", views.person_detail, name="person_detail"),
    path("<int:person_id>/edit/", views.person_edit, name="person_edit"),
    path("<int:person_id>/related/new/", views.related_person_add, name="related_person_add"),
    path("households/", views.household_list, name="household_list"),
    path("households/new/", views.household_create, name="household_create"),
    path("households/<int:household_id>/", views.household_detail, name="household_detail"),
    path("households/<int:household_id>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:household_id>/members/add/", views.household_member_add, name="household_member_add"),
    path("households/<int:household_id>/members/new/", views.household_member_create, name="household_member_create"),
    path(
        "households/<int:household_id>/members/<int:membership_id>/end/",
        views.membership_end,
        name="membership_end",
    ),
]
