"""Chat endpoints with the offline agent (no OPENAI_API_KEY), on both databases."""

from __future__ import annotations

from datetime import datetime

import pytest

from app.agent.offline import HELP_TEXT


def _chat(client, message, user="alice", conversation_id=None):
    body = {"message": message}
    if conversation_id is not None:
        body["conversation_id"] = conversation_id
    r = client.post(f"/api/{user}/chat", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def test_chat_add_task_creates_task_and_reports_tool_call(client):
    reply = _chat(client, "add buy milk")
    assert set(reply) == {"conversation_id", "response", "tool_calls"}
    assert isinstance(reply["conversation_id"], int)
    [call] = reply["tool_calls"]
    assert call["name"] == "add_task"
    assert call["arguments"] == {"title": "buy milk"}
    tasks = client.get("/api/alice/tasks").json()
    assert [t["title"] for t in tasks] == ["buy milk"]
    assert call["result"]["task"] == tasks[0]
    assert f"#{tasks[0]['id']}" in reply["response"]


def test_chat_full_flow_in_one_conversation(client):
    first = _chat(client, "add task write report")
    conv = first["conversation_id"]
    task_id = first["tool_calls"][0]["result"]["task"]["id"]

    listed = _chat(client, "show my tasks", conversation_id=conv)
    assert listed["conversation_id"] == conv
    assert listed["tool_calls"][0]["name"] == "list_tasks"
    assert "write report" in listed["response"]

    renamed = _chat(client, f"rename task {task_id} to Write the report", conversation_id=conv)
    assert renamed["tool_calls"][0]["arguments"] == {"task_id": task_id, "title": "Write the report"}
    assert client.get(f"/api/alice/tasks/{task_id}").json()["title"] == "Write the report"

    done = _chat(client, f"done {task_id}", conversation_id=conv)
    assert done["tool_calls"][0]["name"] == "complete_task"
    assert client.get(f"/api/alice/tasks/{task_id}").json()["completed"] is True
    assert [t["id"] for t in client.get("/api/alice/tasks?status=completed").json()] == [task_id]

    deleted = _chat(client, f"delete task {task_id}", conversation_id=conv)
    assert deleted["tool_calls"][0]["name"] == "delete_task"
    assert client.get(f"/api/alice/tasks/{task_id}").status_code == 404

    messages = client.get(f"/api/alice/conversations/{conv}/messages").json()
    assert [m["role"] for m in messages] == ["user", "assistant"] * 5
    assert [m["content"] for m in messages[0::2]] == [
        "add task write report",
        "show my tasks",
        f"rename task {task_id} to Write the report",
        f"done {task_id}",
        f"delete task {task_id}",
    ]
    assert messages[1]["content"] == first["response"]
    assert messages[-1]["content"] == deleted["response"]
    assert [m["id"] for m in messages] == sorted(m["id"] for m in messages)
    assert set(messages[0]) == {"id", "role", "content", "created_at"}
    datetime.fromisoformat(messages[0]["created_at"])


def test_chat_unknown_message_gets_help_and_no_tools(client):
    reply = _chat(client, "what's the weather like?")
    assert reply["tool_calls"] == []
    assert reply["response"] == HELP_TEXT
    assert client.get("/api/alice/tasks").json() == []


def test_chat_tool_error_is_reported_not_raised(client):
    reply = _chat(client, "complete task 999")
    assert reply["tool_calls"][0]["result"] == {"error": "Task 999 not found"}
    assert "Task 999 not found" in reply["response"]


def test_chat_cannot_touch_other_users_tasks(client):
    bob_task = client.post("/api/bob/tasks", json={"title": "bob's"}).json()
    reply = _chat(client, f"delete task {bob_task['id']}")
    assert reply["tool_calls"][0]["result"] == {"error": f"Task {bob_task['id']} not found"}
    assert client.get(f"/api/bob/tasks/{bob_task['id']}").status_code == 200


def test_new_conversation_each_time_without_id(client):
    a = _chat(client, "hello")["conversation_id"]
    b = _chat(client, "hello")["conversation_id"]
    assert a != b


def test_chat_unknown_or_other_users_conversation_404(client):
    conv = _chat(client, "hello", user="bob")["conversation_id"]
    for user, cid in (("alice", conv), ("bob", conv + 1000)):
        r = client.post(f"/api/{user}/chat", json={"message": "hi", "conversation_id": cid})
        assert r.status_code == 404
        assert r.json() == {"detail": f"Conversation {cid} not found"}
        r = client.get(f"/api/{user}/conversations/{cid}/messages")
        assert r.status_code == 404
        assert r.json() == {"detail": f"Conversation {cid} not found"}
    # nothing was added to bob's conversation by alice
    assert len(client.get(f"/api/bob/conversations/{conv}/messages").json()) == 2


@pytest.mark.parametrize(
    "body, loc",
    [
        ({}, ("body", "message")),
        ({"message": ""}, ("body", "message")),
        ({"message": "   "}, ("body", "message")),
        ({"message": "m" * 2001}, ("body", "message")),
        ({"message": "hi", "conversation_id": "abc"}, ("body", "conversation_id")),
    ],
)
def test_chat_invalid_422(client, body, loc):
    r = client.post("/api/alice/chat", json=body)
    assert r.status_code == 422
    assert loc in [tuple(e["loc"]) for e in r.json()["detail"]]


def test_chat_bad_user_id_422(client):
    r = client.post("/api/bad%20user/chat", json={"message": "hi"})
    assert r.status_code == 422
    assert ("path", "user_id") in [tuple(e["loc"]) for e in r.json()["detail"]]


def test_chat_message_limit_inclusive(client):
    assert _chat(client, "m" * 2000)["tool_calls"] == []
