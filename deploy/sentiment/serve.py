"""The sentiment classifier as an HTTP service (FastAPI): ``python -m sentiment.serve``.

Endpoints: ``POST /predict`` (labels and scores for 1 to 256 texts), ``GET /health`` (the process is alive),
``GET /ready`` (the model is loaded), ``GET /metadata`` (what model is served, on what data, how good it is) and
the OpenAPI documentation at ``/docs``, served without any CDN. Settings come from ``SENTIMENT_*`` environment
variables (``sentiment.settings.Settings``). Every request gets one JSON log line with its request id and latency.
"""

import asyncio
import logging
import sys
import time
import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import uvicorn
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from sentiment.artifact import Predictor, load_artifact
from sentiment.batching import MicroBatcher, QueueFull
from sentiment.logs import configure_logging
from sentiment.settings import Settings

MAX_TEXTS = 256
MAX_TEXT_CHARS = 5000
REQUEST_ID_HEADER = "X-Request-ID"
RETRY_AFTER_SECONDS = "1"

log = logging.getLogger("sentiment.serve")


def not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("text is only whitespace; send at least one visible character")
    return text


Text = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT_CHARS), AfterValidator(not_blank)]


class PredictRequest(BaseModel):
    """The texts to classify."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"texts": ["Loved it!", "Meh."]}]})

    texts: list[Text] = Field(
        min_length=1, max_length=MAX_TEXTS, description=f"1 to {MAX_TEXTS} texts of 1 to {MAX_TEXT_CHARS} characters."
    )


class PredictionOut(BaseModel):
    label: Literal["positive", "negative"]
    score: float = Field(ge=0.0, le=1.0, description="Probability of the label (at least 0.5).")


class PredictResponse(BaseModel):
    predictions: list[PredictionOut] = Field(description="One prediction per text, in input order.")
    model_version: str


class Status(BaseModel):
    status: str
    detail: str | None = None


class Metadata(BaseModel):
    model_version: str
    data_version: str | None
    data_sha256: str | None
    trained_at: str | None
    test_metrics: dict[str, float]
    baselines: dict[str, Any]
    limits: dict[str, int]


@dataclass
class ServiceState:
    """What the running service holds: its settings, and once loaded, the model and its batcher."""

    settings: Settings
    predictor: Predictor | None = None
    batcher: MicroBatcher | None = None
    load_error: str | None = None
    loader: asyncio.Task | None = field(default=None, repr=False)

    async def load(self) -> None:
        """Load the artifact off the event loop, so that /health answers while it loads."""
        started = time.perf_counter()
        try:
            predictor = await asyncio.to_thread(load_artifact, self.settings.artifact_dir)
        except Exception as error:  # any failure must show on /ready, not leave it "loading" for ever
            self.load_error = f"{type(error).__name__}: {error}"
            log.error("model not loaded", extra={"error": self.load_error})
            return
        batch_size = self.settings.batch_size
        self.batcher = MicroBatcher(
            lambda texts: predictor.predict(texts, batch_size=batch_size),
            self.settings.max_batch_texts,
            self.settings.max_queued_requests,
        )
        self.batcher.start()
        self.predictor = predictor
        load_ms = round(1000 * (time.perf_counter() - started), 1)
        log.info("model loaded", extra={"model_version": predictor.model_version, "load_ms": load_ms})

    async def close(self) -> None:
        if self.loader is not None:
            self.loader.cancel()
            await asyncio.gather(self.loader, return_exceptions=True)
        if self.batcher is not None:
            await self.batcher.stop()


def state_of(request: Request) -> ServiceState:
    return request.app.state.service


def ready_predictor(state: ServiceState) -> Predictor:
    """The loaded predictor, or a 503 that says why there is none yet."""
    if state.predictor is None:
        detail = f"model failed to load: {state.load_error}" if state.load_error else "model is still loading"
        raise HTTPException(503, detail=detail, headers={"Retry-After": RETRY_AFTER_SECONDS})
    return state.predictor


def field_name(location: tuple) -> str:
    """``("body", "texts", 3)`` -> ``"texts[3]"``; the body itself is ``"body"``."""
    parts = [part for part in location if part != "body"]
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "body"


def validation_problems(error: RequestValidationError) -> list[dict[str, str]]:
    """Each problem as ``{"field", "message", "type"}``; the offending input is never echoed back."""
    problems = []
    for problem in error.errors():
        name, message = field_name(tuple(problem.get("loc", ()))), problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "json_invalid":
            position = problem["loc"][-1]
            name, message = "body", f"not valid JSON at character {position} ({problem['ctx']['error']})"
        elif problem["type"] == "missing":
            message = "field required"
        problems.append({"field": name, "message": f"{name}: {message}", "type": problem["type"]})
    return problems


async def on_validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    return JSONResponse({"detail": validation_problems(error)}, status_code=422)


def new_request_id(header_value: str | None) -> str:
    """The caller's X-Request-ID when it is a short printable token, else a fresh one."""
    if header_value and len(header_value) <= 128 and header_value.isprintable() and " " not in header_value:
        return header_value
    return uuid.uuid4().hex


def declared_body_too_large(request: Request, limit: int) -> bool:
    length = request.headers.get("content-length", "")
    return length.isdigit() and int(length) > limit


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service as an ASGI app; the model is loaded once, in the background, when the app starts."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        state = ServiceState(settings)
        app.state.service = state
        state.loader = asyncio.create_task(state.load())
        yield
        await state.close()

    app = FastAPIOffline(
        title="Sentiment classifier",
        version="1.0",
        description="Labels texts as positive or negative with the course's bag-of-n-grams model.",
        lifespan=lifespan,
        redoc_url=None,
    )
    app.add_exception_handler(RequestValidationError, on_validation_error)

    @app.middleware("http")
    async def log_each_request(request: Request, call_next):
        started = time.perf_counter()
        request_id = new_request_id(request.headers.get(REQUEST_ID_HEADER))
        request.state.n_texts = None
        if declared_body_too_large(request, settings.max_body_bytes):
            response = JSONResponse(
                {"detail": f"the body is larger than the limit of {settings.max_body_bytes} bytes"}, status_code=413
            )
        else:
            try:
                response = await call_next(request)
            except Exception:
                log.exception("unhandled error", extra={"request_id": request_id, "path": request.url.path})
                response = JSONResponse({"detail": "internal error", "request_id": request_id}, status_code=500)
        latency_ms = round(1000 * (time.perf_counter() - started), 2)
        response.headers[REQUEST_ID_HEADER] = request_id
        log.info(
            "request",
            extra={
                "request_id": request_id,
                "method": request.method,
                "path": request.url.path,
                "status": response.status_code,
                "latency_ms": latency_ms,
                "n_texts": request.state.n_texts,
            },
        )
        return response

    @app.post("/predict", response_model=PredictResponse, summary="Label texts as positive or negative")
    async def predict(body: PredictRequest, request: Request) -> PredictResponse:
        state = state_of(request)
        predictor = ready_predictor(state)
        request.state.n_texts = len(body.texts)
        try:
            predictions = await state.batcher.predict(body.texts)
        except QueueFull as error:
            raise HTTPException(503, detail=str(error), headers={"Retry-After": RETRY_AFTER_SECONDS}) from error
        return PredictResponse(
            predictions=[PredictionOut(label=p.label, score=p.score) for p in predictions],
            model_version=predictor.model_version,
        )

    @app.get("/health", response_model=Status, summary="Liveness: the process answers")
    async def health() -> Status:
        return Status(status="ok")

    @app.get("/ready", response_model=Status, summary="Readiness: the model is loaded", responses={503: {}})
    async def ready(request: Request) -> Status | JSONResponse:
        state = state_of(request)
        if state.predictor is not None:
            return Status(status="ready", detail=state.predictor.model_version)
        status, detail = ("failed", state.load_error) if state.load_error else ("loading", "model is still loading")
        return JSONResponse(Status(status=status, detail=detail).model_dump(), status_code=503)

    @app.get("/metadata", response_model=Metadata, summary="The served model: version, data and test metrics")
    async def metadata(request: Request) -> Metadata:
        metadata = ready_predictor(state_of(request)).metadata
        return Metadata(
            model_version=metadata["model_version"],
            data_version=metadata.get("data_version"),
            data_sha256=metadata.get("data_sha256"),
            trained_at=metadata.get("trained_at"),
            test_metrics=metadata.get("test_metrics", {}),
            baselines=metadata.get("baselines", {}),
            limits={
                "max_texts": MAX_TEXTS,
                "max_text_chars": MAX_TEXT_CHARS,
                "max_body_bytes": settings.max_body_bytes,
            },
        )

    return app


def load_settings() -> Settings:
    """The settings from the environment; exits with a message naming each bad variable."""
    try:
        return Settings()
    except ValidationError as error:
        for problem in error.errors():
            variable = "SENTIMENT_" + "_".join(str(part) for part in problem["loc"]).upper()
            print(f"invalid setting {variable}: {problem['msg']}", file=sys.stderr)
        raise SystemExit(2) from None


def main() -> None:
    settings = load_settings()
    configure_logging(settings.log_level)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, access_log=False, log_config=None)


if __name__ == "__main__":
    main()
