from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tsunagiai.accounts.models import ApiToken
from tsunagiai.testing import PASSWORD


def test_login_page_is_japanese_and_signs_in(client, town) -> None:
    page = client.get("/login/")
    assert "ログイン" in page.content.decode()
    response = client.post("/login/", {"username": "caseworker_north", "password": PASSWORD})
    assert response.status_code == 302


def test_wrong_password_is_refused_in_japanese(client, town) -> None:
    response = client.post("/login/", {"username": "caseworker_north", "password": "wrong"})
    assert response.status_code == 200
    assert "正しくありません" in response.content.decode()


def test_date_style_preference_is_saved(client, town) -> None:
    user = town.users["caseworker_north"]
    client.force_login(user)
    response = client.post("/accounts/preferences/", {"date_style": "western"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.date_style == "western"


def test_unknown_date_style_is_refused(client, town) -> None:
    user = town.users["caseworker_north"]
    client.force_login(user)
    response = client.post("/accounts/preferences/", {"date_style": "lunar"})
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.date_style == "era"


def test_api_token_is_shown_once_and_authenticates(client, town) -> None:
    user = town.users["caseworker_north"]
    client.force_login(user)
    # Creating a token asks for the password again (a sensitive change): without it, no token.
    refused = client.post("/accounts/tokens/", {"name": "集計", "valid_days": "30"})
    assert refused.status_code == 400 and refused.context["new_secret"] is None
    assert not ApiToken.objects.filter(user=user).exists()
    response = client.post("/accounts/tokens/", {"name": "集計", "valid_days": "30", "password": PASSWORD})
    secret = response.context["new_secret"]
    assert secret.startswith("tsg_")
    token = ApiToken.objects.get(user=user)
    assert token.key_hash != secret and secret not in token.key_hash
    client.logout()
    api = client.get("/api/v1/reference/taxonomy", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 200


def test_revoked_and_expired_tokens_are_refused(client, town) -> None:
    user = town.users["caseworker_north"]
    secret = ApiToken.new_secret()
    token = ApiToken.objects.create(user=user, name="t", key_hash=ApiToken.hash_key(secret))
    token.revoked_at = timezone.now()
    token.save()
    assert client.get("/api/v1/intakes/", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    secret2 = ApiToken.new_secret()
    ApiToken.objects.create(
        user=user, name="t2", key_hash=ApiToken.hash_key(secret2), expires_at=timezone.now() - dt.timedelta(days=1)
    )
    assert client.get("/api/v1/intakes/", headers={"Authorization": f"Bearer {secret2}"}).status_code == 401


def test_a_user_cannot_revoke_someone_elses_token(client, town) -> None:
    other = town.users["caseworker_south"]
    token = ApiToken.objects.create(user=other, name="t", key_hash=ApiToken.hash_key(ApiToken.new_secret()))
    client.force_login(town.users["caseworker_north"])
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
