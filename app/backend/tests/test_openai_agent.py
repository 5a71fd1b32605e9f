"""The OpenAI tool-calling path against a local stub of the chat-completions API."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from app.agent import openai_agent
from app.agent.openai_agent import UNAVAILABLE_NOTE
from app.main import create_app
from conftest import make_settings
from openai_stub import OpenAIStub, text_response, tool_call_response

API_KEY = "sk-stub-" + "x" * 16


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    # The SDK honours proxy variables; the stub is local.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


def _client(tmp_path, database_url, stub, **env):
    settings = make_settings(
        tmp_path, DATABASE_URL=database_url, OPENAI_API_KEY=API_KEY, OPENAI_BASE_URL=stub.base_url,
        OPENAI_MODEL="stub-model", **env,
    )
    return TestClient(create_app(settings))


def test_tool_call_then_final_answer(tmp_path, database_url, capsys):
    script = [
        (200, tool_call_response("call_1", "add_task", {"title": "buy milk", "description": "2 litres"})),
        (200, text_response("I added 'buy milk' to your list.")),
    ]
    with OpenAIStub(script) as stub, _client(tmp_path, database_url, stub) as client:
        r = client.post("/api/alice/chat", json={"message": "I need to buy milk, 2 litres"})
        assert r.status_code == 200, r.text
        reply = r.json()
        tasks = client.get("/api/alice/tasks").json()
        messages = client.get(f"/api/alice/conversations/{reply['conversation_id']}/messages").json()

    assert [(t["title"], t["description"]) for t in tasks] == [("buy milk", "2 litres")]
    assert reply["response"] == "I added 'buy milk' to your list."
    [call] = reply["tool_calls"]
    assert call["name"] == "add_task"
    assert call["arguments"] == {"title": "buy milk", "description": "2 litres"}
    assert call["result"]["task"] == tasks[0]
    assert [(m["role"], m["content"]) for m in messages] == [
        ("user", "I need to buy milk, 2 litres"),
        ("assistant", "I added 'buy milk' to your list."),
    ]

    first, second = stub.requests
    assert first["headers"].get("authorization") == f"Bearer {API_KEY}"
    assert first["body"]["model"] == "stub-model"
    assert {t["function"]["name"] for t in first["body"]["tools"]} == {
        "add_task", "list_tasks", "complete_task", "update_task", "delete_task",
    }
    assert first["body"]["messages"][0]["role"] == "system"
    assert first["body"]["messages"][-1] == {"role": "user", "content": "I need to buy milk, 2 litres"}
    # The second request carries the assistant's tool call and our tool result.
    assert second["body"]["messages"][-2]["tool_calls"][0]["id"] == "call_1"
    tool_msg = second["body"]["messages"][-1]
    assert tool_msg["role"] == "tool" and tool_msg["tool_call_id"] == "call_1"
    assert json.loads(tool_msg["content"])["task"]["id"] == tasks[0]["id"]
    assert API_KEY not in capsys.readouterr().out


def test_history_is_sent_in_follow_up(tmp_path):
    script = [(200, text_response("Hi!")), (200, text_response("You said hello."))]
    with OpenAIStub(script) as stub, _client(tmp_path, f"sqlite:///{tmp_path / 'h.db'}", stub) as client:
        conv = client.post("/api/alice/chat", json={"message": "hello"}).json()["conversation_id"]
        r = client.post("/api/alice/chat", json={"message": "what did I say?", "conversation_id": conv})
    assert r.json()["response"] == "You said hello."
    assert r.json()["tool_calls"] == []
    sent = [(m["role"], m["content"]) for m in stub.requests[1]["body"]["messages"][1:]]
    assert sent == [("user", "hello"), ("assistant", "Hi!"), ("user", "what did I say?")]


def test_tool_error_goes_back_to_model(tmp_path):
    script = [
        (200, tool_call_response("c1", "complete_task", {"task_id": 77})),
        (200, text_response("There is no task 77.")),
    ]
    with OpenAIStub(script) as stub, _client(tmp_path, f"sqlite:///{tmp_path / 'e.db'}", stub) as client:
        reply = client.post("/api/alice/chat", json={"message": "complete 77 please"}).json()
    assert reply["tool_calls"] == [{"name": "complete_task", "arguments": {"task_id": 77}, "result": {"error": "Task 77 not found"}}]
    assert json.loads(stub.requests[1]["body"]["messages"][-1]["content"]) == {"error": "Task 77 not found"}
    assert reply["response"] == "There is no task 77."


def test_tool_loop_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(openai_agent, "MAX_ROUNDS", 3)
    script = [(200, tool_call_response(f"c{i}", "list_tasks", {})) for i in range(10)]
    with OpenAIStub(script) as stub, _client(tmp_path, f"sqlite:///{tmp_path / 'b.db'}", stub) as client:
        reply = client.post("/api/alice/chat", json={"message": "loop"}).json()
    assert len(stub.requests) == 3
    assert [c["name"] for c in reply["tool_calls"]] == ["list_tasks"] * 3
    assert reply["response"].startswith("I stopped after 3 rounds")


def test_api_failure_falls_back_to_offline_parser(tmp_path):
    script = [(401, {"error": {"message": "bad key", "type": "invalid_request_error"}})]
    with OpenAIStub(script) as stub, _client(tmp_path, f"sqlite:///{tmp_path / 'f.db'}", stub) as client:
        reply = client.post("/api/alice/chat", json={"message": "add buy bread"}).json()
        tasks = client.get("/api/alice/tasks").json()
    assert len(stub.requests) == 1  # 401 is not retried
    assert reply["response"].startswith(UNAVAILABLE_NOTE)
    assert [c["name"] for c in reply["tool_calls"]] == ["add_task"]
    assert [t["title"] for t in tasks] == ["buy bread"]


def test_failure_after_a_tool_ran_does_not_repeat_it(tmp_path):
    script = [
        (200, tool_call_response("c1", "add_task", {"title": "once"})),
        (400, {"error": {"message": "boom", "type": "invalid_request_error"}}),
    ]
    with OpenAIStub(script) as stub, _client(tmp_path, f"sqlite:///{tmp_path / 'o.db'}", stub) as client:
        reply = client.post("/api/alice/chat", json={"message": "add once"}).json()
        tasks = client.get("/api/alice/tasks").json()
    assert [t["title"] for t in tasks] == ["once"]
    assert [c["name"] for c in reply["tool_calls"]] == ["add_task"]
    assert "stopped responding" in reply["response"]
