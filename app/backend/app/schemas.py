"""Request/response bodies of the HTTP API (see the API contract)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints, field_serializer, field_validator, model_validator

from .models import DESCRIPTION_MAX, MESSAGE_MAX, TITLE_MAX, as_utc

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_MAX)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=DESCRIPTION_MAX)]
StatusFilter = Literal["all", "pending", "completed"]


def _blank_to_none(value: Optional[str]) -> Optional[str]:
    return value or None


class _Body(BaseModel):
    # Unknown keys are ignored so clients may send extra fields; PUT still
    # requires at least one known field.
    model_config = ConfigDict(extra="ignore")


class TaskCreate(_Body):
    title: Title
    description: Optional[Description] = None

    _norm = field_validator("description", mode="after")(_blank_to_none)


class TaskUpdate(_Body):
    title: Optional[Title] = None
    description: Optional[Description] = None
    completed: Optional[StrictBool] = None

    _norm = field_validator("description", mode="after")(_blank_to_none)

    @field_validator("title", "completed", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may not be null; omit the field to leave it unchanged")
        return value

    @model_validator(mode="after")
    def _at_least_one(self) -> "TaskUpdate":
        if not self.model_fields_set:
            raise ValueError("give at least one of: title, description, completed")
        return self


class CompleteBody(_Body):
    completed: StrictBool = True


class TaskRead(BaseModel):
    id: int
    user_id: str
    title: str
    description: Optional[str]
    completed: bool
    created_at: datetime
    updated_at: datetime

    model_config = ConfigDict(from_attributes=True)

    @field_serializer("created_at", "updated_at")
    def _utc(self, value: datetime) -> str:
        return as_utc(value).isoformat()


class ChatRequest(_Body):
    message: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MESSAGE_MAX)]
    conversation_id: Optional[int] = None


class ToolCallRecord(BaseModel):
    name: str
    arguments: dict[str, Any]
    result: dict[str, Any]


class ChatResponse(BaseModel):
    conversation_id: int
    response: str
    tool_calls: list[ToolCallRecord]


class MessageRead(BaseModel):
    id: int
    role: Literal["user", "assistant"]
    content: str
    created_at: datetime

    model_config = ConfigDict(from_attributes=True)

    @field_serializer("created_at")
    def _utc(self, value: datetime) -> str:
        return as_utc(value).isoformat()


class Health(BaseModel):
    status: Literal["ok"]
    version: str


class NotFound(BaseModel):
    detail: str = Field(examples=["Task 42 not found"])
