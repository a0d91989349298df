from django.urls import path

from tsunagiai.intake import views

app_name = "intake"

urlpatterns = [
    path("", views.intake_list, name="list"),
    path("new/", views.intake_create, name="create"),
    path("new/fire/", views.fire_create, name="fire_create"),
    path("concerns/new/", views.volunteer_create, name="volunteer_create"),
    path("concerns/mine/", views.my_reports, name="my_reports"),
    path("drafts/save/", views.draft_save, name="draft_save"),
    path("drafts/<int:draft_id>/discard/", views.draft_discard, name="draft_discard"),
    path("people/search/", views.person_search, name="person_search"),
    path("people/<int:person_id>/pick/", views.person_pick, name="person_pick"),
    path("<int:intake_id>/", views.intake_detail, name="detail"),
    path("<int:intake_id>/edit/", views.intake_edit, name="edit"),
    path("<int:intake_id>/person/", views.intake_link_person, name="link_person"),
]
