"""Task and conversation operations shared by the HTTP routes and the agent tools.

Every lookup filters by user_id, so another user's row is indistinguishable
from a missing one (both are NotFound → 404).
"""

from __future__ import annotations

from typing import Optional

from sqlmodel import Session, select

from .models import Conversation, Message, Task, utcnow

STATUS_FILTERS = {
    "all": None,
    "pending": False,
    "completed": True,
}


class NotFound(LookupError):
    def __init__(self, kind: str, ident: object) -> None:
        self.detail = f"{kind} {ident} not found"
        super().__init__(self.detail)


def list_tasks(session: Session, user_id: str, status: str = "all") -> list[Task]:
    query = select(Task).where(Task.user_id == user_id)
    completed = STATUS_FILTERS[status]
    if completed is not None:
        query = query.where(Task.completed == completed)
    return list(session.exec(query.order_by(Task.id)))


def get_task(session: Session, user_id: str, task_id: int) -> Task:
    task = session.exec(select(Task).where(Task.id == task_id, Task.user_id == user_id)).first()
    if task is None:
        raise NotFound("Task", task_id)
    return task


def create_task(session: Session, user_id: str, title: str, description: Optional[str] = None) -> Task:
    task = Task(user_id=user_id, title=title, description=description)
    session.add(task)
    session.commit()
    session.refresh(task)
    return task


def update_task(session: Session, user_id: str, task_id: int, changes: dict[str, object]) -> Task:
    """Apply only the given fields (title, description, completed)."""
    task = get_task(session, user_id, task_id)
    for field, value in changes.items():
        setattr(task, field, value)
    task.updated_at = utcnow()
    session.add(task)
    session.commit()
    session.refresh(task)
    return task


def delete_task(session: Session, user_id: str, task_id: int) -> Task:
    task = get_task(session, user_id, task_id)
    session.delete(task)
    session.commit()
    return task


def get_conversation(session: Session, user_id: str, conversation_id: int) -> Conversation:
    conv = session.exec(
        select(Conversation).where(Conversation.id == conversation_id, Conversation.user_id == user_id)
    ).first()
    if conv is None:
        raise NotFound("Conversation", conversation_id)
    return conv


def create_conversation(session: Session, user_id: str) -> Conversation:
    conv = Conversation(user_id=user_id)
    session.add(conv)
    session.commit()
    session.refresh(conv)
    return conv


def add_message(session: Session, conv: Conversation, role: str, content: str) -> Message:
    msg = Message(conversation_id=conv.id, user_id=conv.user_id, role=role, content=content)
    conv.updated_at = utcnow()
    session.add(msg)
    session.add(conv)
    session.commit()
    session.refresh(msg)
    return msg


def list_messages(session: Session, conv: Conversation, limit: Optional[int] = None) -> list[Message]:
    """Oldest first; with limit, the most recent `limit` messages (still oldest first)."""
    query = select(Message).where(Message.conversation_id == conv.id)
    if limit is None:
        return list(session.exec(query.order_by(Message.id)))
    recent = list(session.exec(query.order_by(Message.id.desc()).limit(limit)))
    return recent[::-1]
