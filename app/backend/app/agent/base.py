"""Types shared by the agents, and turning tool results into readable replies."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, Sequence

from sqlmodel import Session

from ..models import Message


@dataclass
class ToolCall:
    name: str
    arguments: dict[str, Any]
    result: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "arguments": self.arguments, "result": self.result}


@dataclass
class AgentReply:
    response: str
    tool_calls: list[ToolCall] = field(default_factory=list)


class Agent(Protocol):
    def respond(self, session: Session, user_id: str, message: str, history: Sequence[Message]) -> AgentReply: ...


def _task_line(task: dict[str, Any]) -> str:
    mark = "x" if task["completed"] else " "
    return f"#{task['id']} [{mark}] {task['title']}"


def _describe_list(result: dict[str, Any]) -> str:
    label = "" if result["status"] == "all" else f"{result['status']} "
    if not result["tasks"]:
        return f"You have no {label}tasks."
    noun = "task" if result["count"] == 1 else "tasks"
    return f"You have {result['count']} {label}{noun}:\n" + "\n".join(_task_line(t) for t in result["tasks"])


_DESCRIBE: dict[str, Callable[[dict[str, Any]], str]] = {
    "add_task": lambda r: f"Added task #{r['task']['id']}: {r['task']['title']}",
    "list_tasks": _describe_list,
    "complete_task": lambda r: f"Marked task #{r['task']['id']} as completed: {r['task']['title']}",
    "update_task": lambda r: f"Updated task #{r['task']['id']}: {r['task']['title']}",
    "delete_task": lambda r: f"Deleted task #{r['task']['id']}: {r['task']['title']}",
}


def describe(call: ToolCall) -> str:
    if "error" in call.result:
        return f"Sorry, I couldn't do that: {call.result['error']}."
    return _DESCRIBE[call.name](call.result)
