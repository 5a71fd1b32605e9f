from __future__ import annotations

from typing import Optional

from fastapi import APIRouter, Body, Response, status

from .. import services
from ..deps import SessionDep, UserId
from ..schemas import CompleteBody, NotFound, StatusFilter, TaskCreate, TaskRead, TaskUpdate

router = APIRouter(prefix="/api/{user_id}/tasks", tags=["tasks"])
NOT_FOUND = {404: {"model": NotFound}}


@router.get("", response_model=list[TaskRead])
def list_tasks(user_id: UserId, session: SessionDep, status: StatusFilter = "all"):
    return services.list_tasks(session, user_id, status)


@router.post("", response_model=TaskRead, status_code=status.HTTP_201_CREATED)
def create_task(user_id: UserId, body: TaskCreate, session: SessionDep):
    return services.create_task(session, user_id, body.title, body.description)


@router.get("/{task_id}", response_model=TaskRead, responses=NOT_FOUND)
def get_task(user_id: UserId, task_id: int, session: SessionDep):
    return services.get_task(session, user_id, task_id)


@router.put("/{task_id}", response_model=TaskRead, responses=NOT_FOUND)
def update_task(user_id: UserId, task_id: int, body: TaskUpdate, session: SessionDep):
    return services.update_task(session, user_id, task_id, body.model_dump(exclude_unset=True))


@router.delete("/{task_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
def delete_task(user_id: UserId, task_id: int, session: SessionDep) -> Response:
    services.delete_task(session, user_id, task_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.patch("/{task_id}/complete", response_model=TaskRead, responses=NOT_FOUND)
def complete_task(user_id: UserId, task_id: int, session: SessionDep, body: Optional[CompleteBody] = Body(default=None)):
    completed = True if body is None else body.completed
    return services.update_task(session, user_id, task_id, {"completed": completed})
