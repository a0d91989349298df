from django.urls import path

from tsunagiai.inbox import views

app_name = "inbox"

urlpatterns = [
    path("", views.inbox_list, name="list"),
    path("<int:item_id>/resolve/", views.resolve_item, name="resolve"),
]
