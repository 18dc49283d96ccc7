"""A small OpenAI-compatible chat completions server for the tests: it answers with a fixed text, records requests."""

import json
import threading
import time

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse


def completion_chunk(model: str, content: str | None, finish: str | None = None) -> str:
    delta = {} if content is None else {"role": "assistant", "content": content}
    chunk = {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(chunk)}\n\n"


def fake_llm_app(answer: str, requests: list[dict]) -> FastAPI:
    """POST /v1/chat/completions answering ``answer`` (streamed word by word when asked); bodies go to ``requests``."""
    app = FastAPI()

    @app.post("/v1/chat/completions")
    async def completions(request: Request):
        body = await request.json()
        requests.append({"body": body, "authorization": request.headers.get("authorization")})
        if body.get("stream"):
            words = [word + " " for word in answer.split(" ")]
            chunks = [completion_chunk(body["model"], word) for word in words]
            chunks += [completion_chunk(body["model"], None, "stop"), "data: [DONE]\n\n"]
            return StreamingResponse(iter(chunks), media_type="text/event-stream")
        return JSONResponse(
            {
                "id": "chatcmpl-test",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body["model"],
                "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
            }
        )

    return app


class FakeLLMServer:
    """The fake endpoint served by uvicorn in a thread on 127.0.0.1:``port`` until ``stop``."""

    def __init__(self, answer: str, port: int):
        self.requests: list[dict] = []
        config = uvicorn.Config(fake_llm_app(answer, self.requests), host="127.0.0.1", port=port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.base_url = f"http://127.0.0.1:{port}/v1"

    def start(self) -> "FakeLLMServer":
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the fake LLM server did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
