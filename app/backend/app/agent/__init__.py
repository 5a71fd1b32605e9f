"""Chat agents: OpenAI tool-calling when OPENAI_API_KEY is set, else the offline parser."""

from __future__ import annotations

from ..config import Settings
from .base import Agent, AgentReply, ToolCall
from .offline import OfflineAgent, parse_intent
from .tools import TOOLS, run_tool


def build_agent(settings: Settings) -> Agent:
    if not settings.openai_api_key:
        return OfflineAgent()
    from .openai_agent import OpenAIAgent, make_client  # the SDK is only imported when used

    return OpenAIAgent(make_client(settings.openai_api_key, settings.openai_base_url), settings.openai_model)


__all__ = ["Agent", "AgentReply", "OfflineAgent", "TOOLS", "ToolCall", "build_agent", "parse_intent", "run_tool"]
