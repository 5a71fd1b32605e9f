from __future__ import annotations

import logging

from fastapi import APIRouter, Depends

from .. import services
from ..agent import Agent
from ..deps import SessionDep, UserId, get_agent
from ..schemas import ChatRequest, ChatResponse, MessageRead, NotFound

router = APIRouter(prefix="/api/{user_id}", tags=["chat"])
log = logging.getLogger("app.chat")
NOT_FOUND = {404: {"model": NotFound}}
HISTORY_LIMIT = 20


@router.post("/chat", response_model=ChatResponse, responses=NOT_FOUND)
def chat(user_id: UserId, body: ChatRequest, session: SessionDep, agent: Agent = Depends(get_agent)):
    if body.conversation_id is not None:
        conv = services.get_conversation(session, user_id, body.conversation_id)
        history = services.list_messages(session, conv, limit=HISTORY_LIMIT)
    else:
        conv = services.create_conversation(session, user_id)
        history = []
    services.add_message(session, conv, "user", body.message)
    reply = agent.respond(session, user_id, body.message, history)
    services.add_message(session, conv, "assistant", reply.response)
    log.info(
        "chat reply",
        extra={"conversation_id": conv.id, "tools": [c.name for c in reply.tool_calls]},
    )
    return ChatResponse(
        conversation_id=conv.id, response=reply.response, tool_calls=[c.as_dict() for c in reply.tool_calls]
    )


@router.get("/conversations/{conversation_id}/messages", response_model=list[MessageRead], responses=NOT_FOUND)
def messages(user_id: UserId, conversation_id: int, session: SessionDep):
    conv = services.get_conversation(session, user_id, conversation_id)
    return services.list_messages(session, conv)
