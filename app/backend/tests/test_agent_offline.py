"""Offline intent parser and tools, directly against an in-memory SQLite database."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from app import services
from app.agent import OfflineAgent, parse_intent, run_tool
from app.agent.offline import HELP_TEXT
from app.agent.tools import TOOLS, openai_tool_specs
from app.db import Database


@pytest.fixture
def session():
    db = Database("sqlite:///:memory:")
    db.ensure_schema()
    with Session(db.engine) as s:
        yield s
    db.dispose()


INTENTS = [
    ("add buy milk", "add_task", {"title": "buy milk"}),
    ("add task buy milk", "add_task", {"title": "buy milk"}),
    ("Add task: Call Mom", "add_task", {"title": "Call Mom"}),
    ("please add a task pay rent", "add_task", {"title": "pay rent"}),
    ("create todo water plants", "add_task", {"title": "water plants"}),
    ("show my tasks", "list_tasks", {"status": "all"}),
    ("list tasks", "list_tasks", {"status": "all"}),
    ("Show my tasks?", "list_tasks", {"status": "all"}),
    ("what are my tasks", "list_tasks", {"status": "all"}),
    ("show pending tasks", "list_tasks", {"status": "pending"}),
    ("list my completed tasks", "list_tasks", {"status": "completed"}),
    ("complete task 3", "complete_task", {"task_id": 3}),
    ("done 3", "complete_task", {"task_id": 3}),
    ("mark task #3 as done", "complete_task", {"task_id": 3}),
    ("finish 12.", "complete_task", {"task_id": 12}),
    ("delete task 2", "delete_task", {"task_id": 2}),
    ("remove task 2", "delete_task", {"task_id": 2}),
    ("remove 7", "delete_task", {"task_id": 7}),
    ("rename task 2 to Call Mom", "update_task", {"task_id": 2, "title": "Call Mom"}),
    ("update task 2 to buy oat milk", "update_task", {"task_id": 2, "title": "buy oat milk"}),
]


@pytest.mark.parametrize("message, tool, arguments", INTENTS)
def test_parse_intent(message, tool, arguments):
    intent = parse_intent(message)
    assert intent is not None
    assert (intent.tool, intent.arguments) == (tool, arguments)


@pytest.mark.parametrize(
    "message",
    ["hello", "what's the weather?", "add", "add task", "delete everything", "complete task three", "help"],
)
def test_unrecognised_gets_none(message):
    assert parse_intent(message) is None


def test_fallback_reply_lists_what_it_understands(session):
    reply = OfflineAgent().respond(session, "alice", "tell me a joke")
    assert reply.tool_calls == []
    assert reply.response == HELP_TEXT
    for example in ("add buy milk", "show my tasks", "complete task 3", "done 3", "delete task 2", "rename task 2 to"):
        assert example in reply.response
    assert services.list_tasks(session, "alice") == []


def test_every_intent_end_to_end(session):
    agent = OfflineAgent()
    added = agent.respond(session, "alice", "add buy milk")
    task_id = added.tool_calls[0].result["task"]["id"]
    assert added.response == f"Added task #{task_id}: buy milk"

    listed = agent.respond(session, "alice", "list tasks")
    assert listed.response == f"You have 1 task:\n#{task_id} [ ] buy milk"

    renamed = agent.respond(session, "alice", f"rename task {task_id} to buy oat milk")
    assert renamed.response == f"Updated task #{task_id}: buy oat milk"

    done = agent.respond(session, "alice", f"done {task_id}")
    assert done.response == f"Marked task #{task_id} as completed: buy oat milk"
    assert agent.respond(session, "alice", "show completed tasks").response.endswith(f"#{task_id} [x] buy oat milk")
    assert agent.respond(session, "alice", "show pending tasks").response == "You have no pending tasks."

    deleted = agent.respond(session, "alice", f"delete task {task_id}")
    assert deleted.response == f"Deleted task #{task_id}: buy oat milk"
    assert services.list_tasks(session, "alice") == []
    assert agent.respond(session, "alice", "show my tasks").response == "You have no tasks."


@pytest.mark.parametrize("message", ["complete task 41", "delete task 41", "rename task 41 to x"])
def test_missing_task_is_a_friendly_error(session, message):
    reply = OfflineAgent().respond(session, "alice", message)
    assert reply.tool_calls[0].result == {"error": "Task 41 not found"}
    assert reply.response == "Sorry, I couldn't do that: Task 41 not found."


def test_run_tool_validates_arguments(session):
    assert "Unknown tool" in run_tool(session, "alice", "drop_table", {})["error"]
    bad = run_tool(session, "alice", "add_task", {"title": ""})
    assert "title" in bad["error"]
    assert "task_id" in run_tool(session, "alice", "complete_task", {"task_id": "three"})["error"]
    assert "extra" in run_tool(session, "alice", "list_tasks", {"colour": "red"})["error"].lower()
    assert "new title or description" in run_tool(session, "alice", "update_task", {"task_id": 1})["error"]
    assert services.list_tasks(session, "alice") == []


def test_tool_specs_cover_every_tool():
    specs = {s["function"]["name"]: s["function"] for s in openai_tool_specs()}
    assert set(specs) == set(TOOLS) == {"add_task", "list_tasks", "complete_task", "update_task", "delete_task"}
    assert specs["add_task"]["parameters"]["required"] == ["title"]
    assert specs["complete_task"]["parameters"]["required"] == ["task_id"]
    assert set(specs["update_task"]["parameters"]["properties"]) == {"task_id", "title", "description"}
    assert specs["list_tasks"]["parameters"]["properties"]["status"]["enum"] == ["all", "pending", "completed"]
