"""Todo Chatbot backend (FastAPI + SQLModel)."""
