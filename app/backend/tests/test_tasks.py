"""Task endpoints against SQLite and PostgreSQL (every test runs on both)."""

from __future__ import annotations

from datetime import datetime

import pytest

TASK_KEYS = {"id", "user_id", "title", "description", "completed", "created_at", "updated_at"}


def _create(client, user="alice", **body):
    body.setdefault("title", "buy milk")
    r = client.post(f"/api/{user}/tasks", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def _loc(response) -> list[tuple]:
    assert response.status_code == 422, response.text
    return [tuple(e["loc"]) for e in response.json()["detail"]]


def test_create_returns_task(client):
    task = _create(client, title="  buy milk  ", description="2 litres")
    assert set(task) == TASK_KEYS
    assert task["title"] == "buy milk"  # trimmed
    assert task["description"] == "2 litres"
    assert task["completed"] is False
    assert task["user_id"] == "alice"
    assert isinstance(task["id"], int)
    created = datetime.fromisoformat(task["created_at"])
    assert created.utcoffset() is not None and created.utcoffset().total_seconds() == 0
    datetime.fromisoformat(task["updated_at"])


def test_create_without_description_is_null(client):
    assert _create(client)["description"] is None
    assert _create(client, description="   ")["description"] is None


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": 5}, "title"),
        ({"title": None}, "title"),
        ({"title": "ok", "description": "d" * 1001}, "description"),
        ({"title": "ok", "description": 7}, "description"),
    ],
)
def test_create_invalid_422_names_field(client, body, field):
    assert ("body", field) in _loc(client.post("/api/alice/tasks", json=body))


def test_create_title_limits_inclusive(client):
    assert _create(client, title="x" * 200)["title"] == "x" * 200
    assert len(_create(client, title="y", description="d" * 1000)["description"]) == 1000


def test_create_body_not_json_422(client):
    r = client.post("/api/alice/tasks", content=b"not json", headers={"content-type": "application/json"})
    assert r.status_code == 422


@pytest.mark.parametrize("user_id", ["a" * 65, "bad user", "bad$", "caf\u00e9"])
def test_invalid_user_id_422(client, user_id):
    for r in (client.get(f"/api/{user_id}/tasks"), client.post(f"/api/{user_id}/tasks", json={"title": "x"})):
        assert ("path", "user_id") in _loc(r)


@pytest.mark.parametrize("user_id", ["a", "A-z_0.9", "u" * 64])
def test_valid_user_ids(client, user_id):
    assert _create(client, user=user_id)["user_id"] == user_id
    assert [t["user_id"] for t in client.get(f"/api/{user_id}/tasks").json()] == [user_id]


def test_list_ordered_by_id_and_scoped_to_user(client):
    ids = [_create(client, title=f"t{i}")["id"] for i in range(3)]
    _create(client, user="bob", title="bob's")
    r = client.get("/api/alice/tasks")
    assert r.status_code == 200
    assert [t["id"] for t in r.json()] == sorted(ids)
    assert [t["title"] for t in r.json()] == ["t0", "t1", "t2"]
    assert client.get("/api/carol/tasks").json() == []


def test_list_status_filter(client):
    a = _create(client, title="a")
    b = _create(client, title="b")
    client.patch(f"/api/alice/tasks/{b['id']}/complete")
    titles = lambda q: [t["title"] for t in client.get(f"/api/alice/tasks{q}").json()]  # noqa: E731
    assert titles("") == ["a", "b"]
    assert titles("?status=all") == ["a", "b"]
    assert titles("?status=pending") == ["a"]
    assert titles("?status=completed") == ["b"]
    assert a["completed"] is False


def test_list_bad_status_422(client):
    assert ("query", "status") in _loc(client.get("/api/alice/tasks?status=done"))


def test_get_task(client):
    task = _create(client)
    r = client.get(f"/api/alice/tasks/{task['id']}")
    assert r.status_code == 200
    assert r.json() == task


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_unknown_and_other_users_task_404(client, method):
    task = _create(client, user="bob")
    suffix = "/complete" if method == "PATCH" else ""
    body = {"title": "x"} if method == "PUT" else None
    for user, task_id in (("alice", task["id"]), ("bob", task["id"] + 1000)):
        r = client.request(method, f"/api/{user}/tasks/{task_id}{suffix}", json=body)
        assert r.status_code == 404, (user, r.text)
        assert r.json() == {"detail": f"Task {task_id} not found"}
    # bob's task untouched
    assert client.get(f"/api/bob/tasks/{task['id']}").json() == task


def test_task_id_not_int_422(client):
    assert ("path", "task_id") in _loc(client.get("/api/alice/tasks/abc"))


def test_update_fields(client):
    task = _create(client, description="old")
    r = client.put(f"/api/alice/tasks/{task['id']}", json={"title": " new title ", "completed": True})
    assert r.status_code == 200
    updated = r.json()
    assert updated["title"] == "new title"
    assert updated["completed"] is True
    assert updated["description"] == "old"  # untouched
    assert updated["created_at"] == task["created_at"]
    assert datetime.fromisoformat(updated["updated_at"]) >= datetime.fromisoformat(task["updated_at"])
    assert updated["updated_at"] != task["updated_at"]
    assert client.get(f"/api/alice/tasks/{task['id']}").json() == updated


def test_update_clears_description_with_null(client):
    task = _create(client, description="old")
    r = client.put(f"/api/alice/tasks/{task['id']}", json={"description": None})
    assert r.status_code == 200
    assert r.json()["description"] is None
    assert r.json()["title"] == task["title"]


@pytest.mark.parametrize(
    "body, loc",
    [
        ({}, ("body",)),
        ({"unknown": 1}, ("body",)),
        ({"title": ""}, ("body", "title")),
        ({"title": None}, ("body", "title")),
        ({"title": "t" * 201}, ("body", "title")),
        ({"completed": "yes"}, ("body", "completed")),
        ({"completed": None}, ("body", "completed")),
        ({"description": "d" * 1001}, ("body", "description")),
    ],
)
def test_update_invalid_422(client, body, loc):
    task = _create(client)
    assert loc in _loc(client.put(f"/api/alice/tasks/{task['id']}", json=body))
    assert client.get(f"/api/alice/tasks/{task['id']}").json() == task


def test_update_empty_body_message_lists_fields(client):
    task = _create(client)
    detail = client.put(f"/api/alice/tasks/{task['id']}", json={}).json()["detail"]
    assert "title, description, completed" in detail[0]["msg"]


def test_delete(client):
    task = _create(client)
    keep = _create(client, title="keep")
    r = client.delete(f"/api/alice/tasks/{task['id']}")
    assert r.status_code == 204
    assert r.content == b""
    assert client.get(f"/api/alice/tasks/{task['id']}").status_code == 404
    assert [t["id"] for t in client.get("/api/alice/tasks").json()] == [keep["id"]]
    assert client.delete(f"/api/alice/tasks/{task['id']}").status_code == 404


def test_complete_defaults_to_true_and_accepts_false(client):
    task = _create(client)
    url = f"/api/alice/tasks/{task['id']}/complete"
    r = client.patch(url)
    assert r.status_code == 200 and r.json()["completed"] is True
    r = client.patch(url, json={"completed": False})
    assert r.status_code == 200 and r.json()["completed"] is False
    r = client.patch(url, json={})
    assert r.status_code == 200 and r.json()["completed"] is True
    assert client.get(f"/api/alice/tasks/{task['id']}").json()["completed"] is True


def test_complete_invalid_body_422(client):
    task = _create(client)
    assert ("body", "completed") in _loc(client.patch(f"/api/alice/tasks/{task['id']}/complete", json={"completed": "no"}))
    assert client.get(f"/api/alice/tasks/{task['id']}").json()["completed"] is False
