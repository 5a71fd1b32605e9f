"""FastAPI dependencies: DB session, agent, validated path parameters."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlmodel import Session

from .agent import Agent
from .db import Database
from .models import USER_ID_PATTERN


def get_database(request: Request) -> Database:
    return request.app.state.db


def get_session(request: Request) -> Iterator[Session]:
    yield from request.app.state.db.session()


def get_agent(request: Request) -> Agent:
    return request.app.state.agent


UserId = Annotated[
    str,
    Path(min_length=1, max_length=64, pattern=USER_ID_PATTERN, description="1-64 characters of A-Z a-z 0-9 _ . -"),
]
SessionDep = Annotated[Session, Depends(get_session)]
