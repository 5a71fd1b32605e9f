"""Tool-calling agent on the official `openai` SDK (chat.completions).

Loop: send the conversation + tool specs; run every requested tool and feed
the results back; stop when the model answers without tool calls, or after
MAX_ROUNDS requests (so a misbehaving model cannot loop forever).
"""

from __future__ import annotations

import json
import logging
from typing import Any, Sequence

import openai
from sqlmodel import Session

from ..models import Message
from .base import AgentReply, ToolCall, describe
from .offline import OfflineAgent
from .tools import openai_tool_specs, run_tool

log = logging.getLogger("app.agent")

MAX_ROUNDS = 6
HISTORY_LIMIT = 20  # earlier messages of the conversation sent as context
REQUEST_TIMEOUT_S = 60.0

SYSTEM_PROMPT = (
    "You are the Todo Chatbot. You manage the user's todo list only through the tools "
    "add_task, list_tasks, complete_task, update_task and delete_task. Tasks are identified "
    "by numeric ids; when the user names a task by its title, call list_tasks first to find "
    "its id. Never invent ids or results. Answer briefly in plain text."
)

UNAVAILABLE_NOTE = "(The AI assistant is unavailable right now, so I understood your message with simple commands.)"


def make_client(api_key: str, base_url: str | None) -> openai.OpenAI:
    return openai.OpenAI(api_key=api_key, base_url=base_url, timeout=REQUEST_TIMEOUT_S, max_retries=1)


class OpenAIAgent:
    def __init__(self, client: openai.OpenAI, model: str, max_rounds: int | None = None) -> None:
        self.client = client
        self.model = model
        self.max_rounds = max_rounds or MAX_ROUNDS
        self.tools = openai_tool_specs()
        self.fallback = OfflineAgent()

    def respond(self, session: Session, user_id: str, message: str, history: Sequence[Message] = ()) -> AgentReply:
        messages: list[dict[str, Any]] = [{"role": "system", "content": SYSTEM_PROMPT}]
        messages += [{"role": m.role, "content": m.content} for m in history[-HISTORY_LIMIT:]]
        messages.append({"role": "user", "content": message})
        calls: list[ToolCall] = []

        for _round in range(self.max_rounds):
            try:
                completion = self.client.chat.completions.create(model=self.model, messages=messages, tools=self.tools)
                choice = completion.choices[0].message
            except (openai.OpenAIError, IndexError) as exc:
                return self._on_failure(exc, session, user_id, message, history, calls)

            requested = choice.tool_calls or []
            if not requested:
                text = (choice.content or "").strip()
                return AgentReply(text or self._summary(calls) or "Done.", calls)

            messages.append(
                {
                    "role": "assistant",
                    "content": choice.content,
                    "tool_calls": [
                        {"id": c.id, "type": "function", "function": {"name": c.function.name, "arguments": c.function.arguments}}
                        for c in requested
                        if getattr(c, "function", None) is not None
                    ],
                }
            )
            for c in requested:
                function = getattr(c, "function", None)
                if function is None:  # custom (non-function) tool calls are not offered, so ignore them
                    continue
                arguments, result = self._run(session, user_id, function.name, function.arguments)
                calls.append(ToolCall(function.name, arguments, result))
                messages.append({"role": "tool", "tool_call_id": c.id, "content": json.dumps(result)})

        log.warning("agent stopped: too many tool rounds", extra={"rounds": self.max_rounds})
        return AgentReply(
            f"I stopped after {self.max_rounds} rounds of tool calls without a final answer. "
            f"What I did so far:\n{self._summary(calls)}",
            calls,
        )

    @staticmethod
    def _run(session: Session, user_id: str, name: str, raw_arguments: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
        try:
            arguments = json.loads(raw_arguments or "{}")
        except json.JSONDecodeError:
            return {}, {"error": "Tool arguments were not valid JSON"}
        if not isinstance(arguments, dict):
            return {}, {"error": "Tool arguments must be a JSON object"}
        return arguments, run_tool(session, user_id, name, arguments)

    @staticmethod
    def _summary(calls: list[ToolCall]) -> str:
        return "\n".join(describe(c) for c in calls)

    def _on_failure(self, exc, session, user_id, message, history, calls) -> AgentReply:
        # Only the error class: SDK messages can echo request details.
        log.warning("openai request failed", extra={"error": type(exc).__name__})
        if calls:
            # Tools already changed data: do not re-run the message through the offline parser.
            return AgentReply(
                f"The AI assistant stopped responding before finishing. What I did so far:\n{self._summary(calls)}",
                calls,
            )
        reply = self.fallback.respond(session, user_id, message, history)
        return AgentReply(f"{UNAVAILABLE_NOTE}\n{reply.response}", reply.tool_calls)
