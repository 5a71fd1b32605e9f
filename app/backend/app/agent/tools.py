"""The five agent tools: argument models (→ OpenAI JSON schemas) and handlers.

One table drives both the OpenAI tool specs and dispatch, so the offline
parser and the LLM call exactly the same code with the same validation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlmodel import Session

from .. import services
from ..schemas import Description, StatusFilter, TaskRead, Title


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AddTaskArgs(_Args):
    title: Title = Field(description="Short task title")
    description: Optional[Description] = Field(default=None, description="Optional details")


class ListTasksArgs(_Args):
    status: StatusFilter = Field(default="all", description="Which tasks to list")


class TaskIdArgs(_Args):
    task_id: int = Field(description="The task's numeric id")


class UpdateTaskArgs(_Args):
    task_id: int = Field(description="The task's numeric id")
    title: Optional[Title] = Field(default=None, description="New title")
    description: Optional[Description] = Field(default=None, description="New description")


def _task(task) -> dict[str, Any]:
    return TaskRead.model_validate(task).model_dump(mode="json")


def _add(session: Session, user_id: str, a: AddTaskArgs) -> dict[str, Any]:
    return {"task": _task(services.create_task(session, user_id, a.title, a.description or None))}


def _list(session: Session, user_id: str, a: ListTasksArgs) -> dict[str, Any]:
    tasks = [_task(t) for t in services.list_tasks(session, user_id, a.status)]
    return {"status": a.status, "count": len(tasks), "tasks": tasks}


def _complete(session: Session, user_id: str, a: TaskIdArgs) -> dict[str, Any]:
    return {"task": _task(services.update_task(session, user_id, a.task_id, {"completed": True}))}


def _update(session: Session, user_id: str, a: UpdateTaskArgs) -> dict[str, Any]:
    changes = {k: v for k, v in (("title", a.title), ("description", a.description)) if v is not None}
    if not changes:
        return {"error": "Give a new title or description for the task"}
    return {"task": _task(services.update_task(session, user_id, a.task_id, changes))}


def _delete(session: Session, user_id: str, a: TaskIdArgs) -> dict[str, Any]:
    task = services.delete_task(session, user_id, a.task_id)
    return {"deleted": True, "task": _task(task)}


@dataclass(frozen=True)
class Tool:
    args: type[BaseModel]
    handler: Callable[[Session, str, Any], dict[str, Any]]
    description: str


TOOLS: dict[str, Tool] = {
    "add_task": Tool(AddTaskArgs, _add, "Add a new task to the user's todo list."),
    "list_tasks": Tool(ListTasksArgs, _list, "List the user's tasks, optionally only pending or completed ones."),
    "complete_task": Tool(TaskIdArgs, _complete, "Mark a task as completed."),
    "update_task": Tool(UpdateTaskArgs, _update, "Change a task's title and/or description."),
    "delete_task": Tool(TaskIdArgs, _delete, "Delete a task permanently."),
}


def run_tool(session: Session, user_id: str, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """Never raises for bad input: errors come back as {"error": ...} for the model/user."""
    tool = TOOLS.get(name)
    if tool is None:
        return {"error": f"Unknown tool '{name}'; available: {', '.join(TOOLS)}"}
    try:
        args = tool.args.model_validate(arguments)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in exc.errors())
        return {"error": f"Invalid arguments for {name}: {problems}"}
    try:
        return tool.handler(session, user_id, args)
    except services.NotFound as exc:
        return {"error": exc.detail}


def openai_tool_specs() -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "function": {"name": name, "description": tool.description, "parameters": tool.args.model_json_schema()},
        }
        for name, tool in TOOLS.items()
    ]
