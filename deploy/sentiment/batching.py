"""Batched inference for a server: the texts of concurrent requests share one pass through the model.

Requests queue up while the model is busy; when it is free, everything waiting (up to ``max_batch_texts``) goes
through together on one inference thread. An idle server adds no delay, a busy one amortises each pass over many
requests, and the model never runs on two threads at once (which would only make them fight for the CPU cores).
"""

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

Result = TypeVar("Result")


class QueueFull(RuntimeError):
    """More requests are waiting than the batcher accepts; the caller should retry later."""


class MicroBatcher(Generic[Result]):
    """Runs ``predict(texts) -> results`` (one result per text, in order) over the texts of concurrent callers."""

    def __init__(self, predict: Callable[[list[str]], Sequence[Result]], max_batch_texts: int, max_queued: int):
        self._predict = predict
        self._max_batch_texts = max_batch_texts
        self._queue: asyncio.Queue[tuple[list[str], asyncio.Future]] = asyncio.Queue(maxsize=max_queued)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inference")
        self._worker: asyncio.Task | None = None

    def start(self) -> None:
        """Start the worker task; call it from the running event loop."""
        self._worker = asyncio.get_running_loop().create_task(self._work())

    async def stop(self) -> None:
        """Stop the worker, fail what is still queued, and release the inference thread."""
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
        queued = []
        while not self._queue.empty():
            queued.append(self._queue.get_nowait())
        fail(queued, RuntimeError("the service is shutting down"))
        await asyncio.to_thread(self._executor.shutdown, wait=True)

    async def predict(self, texts: list[str]) -> list[Result]:
        """The results for ``texts``, computed in a batch with whatever else is waiting; raises QueueFull."""
        future = asyncio.get_running_loop().create_future()
        try:
            self._queue.put_nowait((list(texts), future))
        except asyncio.QueueFull:
            raise QueueFull(f"{self._queue.maxsize} requests are already waiting for the model") from None
        return await future

    async def _work(self) -> None:
        while True:
            jobs = [await self._queue.get()]
            queued_texts = len(jobs[0][0])
            while queued_texts < self._max_batch_texts and not self._queue.empty():
                jobs.append(self._queue.get_nowait())
                queued_texts += len(jobs[-1][0])
            await self._run(jobs)

    async def _run(self, jobs: list[tuple[list[str], asyncio.Future]]) -> None:
        jobs = [(texts, future) for texts, future in jobs if not future.done()]  # callers that gave up
        texts = [text for job_texts, _ in jobs for text in job_texts]
        if not texts:
            return
        try:
            results = await asyncio.get_running_loop().run_in_executor(self._executor, self._predict, texts)
        except asyncio.CancelledError:
            fail(jobs, RuntimeError("the service is shutting down"))
            raise
        except Exception as error:
            fail(jobs, error)
            return
        start = 0
        for job_texts, future in jobs:
            if not future.done():
                future.set_result(list(results[start : start + len(job_texts)]))
            start += len(job_texts)


def fail(jobs: list[tuple[list[str], asyncio.Future]], error: Exception) -> None:
    """Hand ``error`` to every caller in ``jobs`` that is still waiting."""
    for _, future in jobs:
        if not future.done():
            future.set_exception(error)
