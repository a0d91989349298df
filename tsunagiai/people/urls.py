from typing import Any

app_name = "people"

urlpatterns: list[Any] = []
