"""Deterministic intent parser used when no OPENAI_API_KEY is configured.

Patterns are tried in order; the first match picks the tool. Titles keep the
user's casing. Anything unmatched gets HELP_TEXT and no tool call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from sqlmodel import Session

from ..models import Message
from .base import AgentReply, ToolCall, describe
from .tools import run_tool

HELP_TEXT = (
    "I can manage your todo list. Try:\n"
    '- "add buy milk" to add a task\n'
    '- "show my tasks" (or "show pending tasks" / "show completed tasks") to list them\n'
    '- "complete task 3" or "done 3" to mark a task as done\n'
    '- "rename task 2 to call mom" to change a title\n'
    '- "delete task 2" to remove a task'
)

_ID = r"(?:task\s+)?(?:number\s+|no\.?\s*)?#?(?P<id>\d+)"
_STATUS_WORDS = {
    "pending": "pending",
    "open": "pending",
    "incomplete": "pending",
    "unfinished": "pending",
    "todo": "pending",
    "completed": "completed",
    "complete": "completed",
    "done": "completed",
    "finished": "completed",
}
_STATUS = r"(?P<status>" + "|".join(_STATUS_WORDS) + r")"


def _status(m: re.Match[str]) -> dict[str, Any]:
    word = m.groupdict().get("status")
    return {"status": _STATUS_WORDS[word.lower()] if word else "all"}


def _task_id(m: re.Match[str]) -> dict[str, Any]:
    return {"task_id": int(m["id"])}


def _add(m: re.Match[str]) -> dict[str, Any]:
    return {"title": m["title"].strip()}


def _rename(m: re.Match[str]) -> dict[str, Any]:
    return {"task_id": int(m["id"]), "title": m["title"].strip()}


# (pattern, tool, argument builder): order matters ("add" is the catch-all verb).
INTENTS: list[tuple[re.Pattern[str], str, Callable[[re.Match[str]], dict[str, Any]]]] = [
    (re.compile(rf"^(?:rename|update|change|edit)\s+{_ID}\s+(?:to|as|into)\s+(?P<title>.+)$", re.I | re.S), "update_task", _rename),
    (re.compile(rf"^(?:delete|remove|drop|cancel)\s+{_ID}$", re.I), "delete_task", _task_id),
    (re.compile(rf"^(?:complete|finish|done(?:\s+with)?|check(?:\s+off)?|mark)\s+{_ID}(?:\s+as\s+(?:done|complete|completed|finished))?$", re.I), "complete_task", _task_id),
    (re.compile(rf"^{_ID}\s+(?:is\s+)?(?:done|complete|completed|finished)$", re.I), "complete_task", _task_id),
    (re.compile(rf"^(?:show|list|view|display|see|get)(?:\s+me)?(?:\s+(?:my|all|all\s+my|the))?(?:\s+{_STATUS})?\s+(?:tasks?|todos?|to-dos?)$", re.I), "list_tasks", _status),
    (re.compile(rf"^(?:what\s+are\s+)?(?:my\s+)?(?:{_STATUS}\s+)?(?:tasks|todos|to-dos)$", re.I), "list_tasks", _status),
    (re.compile(r"^(?:list|show)$", re.I), "list_tasks", _status),
    (re.compile(r"^(?:add|create|new)(?:\s+(?:a\s+)?(?:new\s+)?(?:task|todo|to-do))?(?:\s*:\s*|\s+)(?P<title>(?!(?:a\s+)?(?:new\s+)?(?:task|todo|to-do)$)\S.*)$", re.I | re.S), "add_task", _add),
]


@dataclass(frozen=True)
class Intent:
    tool: str
    arguments: dict[str, Any]


def parse_intent(message: str) -> Intent | None:
    # Trailing punctuation ("show my tasks?", "done 3.") carries no meaning here.
    text = re.sub(r"\s+", " ", message.strip()).rstrip("?!. ")
    text = re.sub(r"^please\s+", "", text, flags=re.I)
    for pattern, tool, build in INTENTS:
        m = pattern.match(text)
        if m:
            return Intent(tool, build(m))
    return None


class OfflineAgent:
    def respond(self, session: Session, user_id: str, message: str, history: Sequence[Message] = ()) -> AgentReply:
        intent = parse_intent(message)
        if intent is None:
            return AgentReply(HELP_TEXT, [])
        call = ToolCall(intent.tool, intent.arguments, run_tool(session, user_id, intent.tool, intent.arguments))
        return AgentReply(describe(call), [call])
