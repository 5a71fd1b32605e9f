"""FastAPI application. Run from app/backend:

    python -m uvicorn app.main:app --host 0.0.0.0 --port 8000

The environment is validated at import: a bad variable prints a message naming
it on stderr and the process exits with status 2 before serving anything.
"""

from __future__ import annotations

import logging
import time
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError

from .agent import Agent, build_agent
from .config import Settings, ensure_data_dir, load_or_exit
from .db import Database
from .logs import setup_logging
from .routes import chat, health, tasks
from .services import NotFound

log = logging.getLogger("app")


def create_app(settings: Settings, agent: Agent | None = None) -> FastAPI:
    setup_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        ensure_data_dir(settings)
        db = Database(settings.database_url)
        app.state.db = db
        app.state.agent = agent or build_agent(settings)
        log.info(
            "starting",
            extra={"settings": settings.describe(), "agent": type(app.state.agent).__name__},
        )
        # A database that is down at startup is not fatal: /ready says 503 and
        # the schema is created on the first request that reaches it.
        db.try_ensure_schema()
        try:
            yield
        finally:
            db.dispose()
            log.info("stopped")

    app = FastAPI(title="Todo Chatbot API", version=settings.app_version, lifespan=lifespan)
    app.state.settings = settings

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["*"],
            allow_headers=["*"],
        )

    @app.middleware("http")
    async def log_requests(request: Request, call_next):
        start = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            log.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.url.path,  # no query string: keep logs free of user input noise
                    "status": status,
                    "duration_ms": round((time.perf_counter() - start) * 1000, 2),
                },
            )

    @app.exception_handler(NotFound)
    async def not_found(_request: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=404)

    @app.exception_handler(OperationalError)
    async def db_unavailable(request: Request, exc: OperationalError) -> JSONResponse:
        reason = request.app.state.db.reason(exc)
        log.error("database error", extra={"reason": reason})
        return JSONResponse({"detail": f"Database unavailable: {reason}"}, status_code=503)

    @app.exception_handler(DBAPIError)
    async def db_error(request: Request, exc: DBAPIError) -> JSONResponse:
        log.error("database error", extra={"reason": request.app.state.db.reason(exc)})
        return JSONResponse({"detail": "Database error"}, status_code=500)

    app.include_router(health.router)
    app.include_router(tasks.router)
    app.include_router(chat.router)
    return app


app = create_app(load_or_exit())
