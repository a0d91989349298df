"""The API's access-rule gate runs before each operation (not only the operation's own checks)."""

from __future__ import annotations

from config.api import api


def test_every_api_operation_is_wrapped_by_the_access_gate() -> None:
    operations = [
        operation
        for _prefix, router in api._routers
        for path_view in router.path_operations.values()
        for operation in path_view.operations
    ]
    assert operations
    ungated = [op.view_func.__name__ for op in operations if not getattr(op.view_func, "__wrapped__", None)]
    assert ungated == []


def test_the_gate_refuses_a_role_before_the_operation_runs(client, town) -> None:
    # An analyst may not list intakes; the operation alone would answer an empty list.
    client.force_login(town.users["analyst"])
    response = client.get("/api/v1/intakes/")
    assert response.status_code == 403
    assert response.json()["detail"] == "この操作は利用できません。"
