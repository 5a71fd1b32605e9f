from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from ..db import Database
from ..deps import get_database
from ..schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
def health(request: Request) -> Health:
    """Liveness: never touches the database."""
    return Health(status="ok", version=request.app.state.settings.app_version)


@router.get("/ready", responses={503: {"description": "Database unreachable"}})
def ready(db: Database = Depends(get_database)) -> JSONResponse:
    reason = db.check()
    if reason is not None:
        return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)
    return JSONResponse({"status": "ready"})
